//! A small ONNX graph writer for the trainer's own architectures. burn's experimental exporter
//! cannot lower LayerNorm, GroupNorm, GELU, Softmax, transpose, sin/cos or mean, so the trainer
//! writes its graphs itself, layer by layer, from the trained weights (protobuf types from the
//! `onnx-protobuf` crate). Graphs use opset 17 and IR version 8 (ONNX Runtime 1.31 reads <= 13).

use burn::module::Param;
use burn::nn::Linear;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use onnx_protobuf::{
    AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto,
    StringStringEntryProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto, type_proto,
};

pub const OPSET: i64 = 17;
pub const IR_VERSION: i64 = 8;

/// One dimension of a graph input/output.
#[derive(Debug, Clone, Copy)]
pub enum Dim {
    Fixed(usize),
    /// A free dimension (the batch).
    Named(&'static str),
}

/// Attribute values the graphs use.
pub enum Attr {
    Int(i64),
    Ints(Vec<i64>),
    Float(f32),
    Str(&'static str),
}

fn attribute(name: &str, value: Attr) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    match value {
        Attr::Int(i) => {
            a.type_ = AttributeType::INT.into();
            a.i = i;
        }
        Attr::Ints(v) => {
            a.type_ = AttributeType::INTS.into();
            a.ints = v;
        }
        Attr::Float(f) => {
            a.type_ = AttributeType::FLOAT.into();
            a.f = f;
        }
        Attr::Str(s) => {
            a.type_ = AttributeType::STRING.into();
            a.s = s.as_bytes().to_vec();
        }
    }
    a
}

fn value_info(name: &str, dims: &[Dim]) -> ValueInfoProto {
    let mut shape = TensorShapeProto::new();
    shape.dim = dims
        .iter()
        .map(|d| {
            let mut dim = tensor_shape_proto::Dimension::new();
            dim.value = Some(match *d {
                Dim::Fixed(n) => tensor_shape_proto::dimension::Value::DimValue(n as i64),
                Dim::Named(s) => tensor_shape_proto::dimension::Value::DimParam(s.into()),
            });
            dim
        })
        .collect();
    let mut tensor = type_proto::Tensor::new();
    tensor.elem_type = DataType::FLOAT as i32;
    tensor.shape = Some(shape).into();
    let mut value_type = TypeProto::new();
    value_type.value = Some(type_proto::Value::TensorType(tensor));
    let mut info = ValueInfoProto::new();
    info.name = name.into();
    info.type_ = Some(value_type).into();
    info
}

fn float_values<const D: usize>(tensor: Tensor<D>) -> (Vec<i64>, Vec<f32>) {
    let data = tensor.into_data();
    let dims = data.shape().iter().map(|&d| d as i64).collect();
    (
        dims,
        data.try_into_vec_as::<f32>().expect("float parameter"),
    )
}

/// Builds one graph node by node; each helper returns the name of the value it produced.
pub struct GraphBuilder {
    graph: GraphProto,
    counter: usize,
}

impl GraphBuilder {
    pub fn new(name: &str) -> Self {
        let mut graph = GraphProto::new();
        graph.name = name.into();
        Self { graph, counter: 0 }
    }

    pub fn input(&mut self, name: &str, dims: &[Dim]) -> String {
        self.graph.input.push(value_info(name, dims));
        name.into()
    }

    /// Declares `value` a graph output named `name` (through an Identity when renamed).
    pub fn output(&mut self, value: &str, name: &str, dims: &[Dim]) {
        if value != name {
            self.node_named("Identity", &[value], vec![], name);
        }
        self.graph.output.push(value_info(name, dims));
    }

    fn fresh(&mut self, hint: &str) -> String {
        self.counter += 1;
        format!("{hint}_{}", self.counter)
    }

    /// A float constant.
    pub fn constant(&mut self, hint: &str, dims: Vec<i64>, values: Vec<f32>) -> String {
        let name = self.fresh(hint);
        let mut tensor = TensorProto::new();
        tensor.name = name.clone();
        tensor.dims = dims;
        tensor.data_type = DataType::FLOAT as i32;
        tensor.float_data = values;
        self.graph.initializer.push(tensor);
        name
    }

    /// An int64 constant (shapes, axes).
    pub fn constant_i64(&mut self, hint: &str, values: Vec<i64>) -> String {
        let name = self.fresh(hint);
        let mut tensor = TensorProto::new();
        tensor.name = name.clone();
        tensor.dims = vec![values.len() as i64];
        tensor.data_type = DataType::INT64 as i32;
        tensor.int64_data = values;
        self.graph.initializer.push(tensor);
        name
    }

    pub fn param<const D: usize>(&mut self, hint: &str, param: &Param<Tensor<D>>) -> String {
        self.tensor(hint, param.val())
    }

    /// A float constant holding `tensor` (weights derived from parameters).
    pub fn tensor<const D: usize>(&mut self, hint: &str, tensor: Tensor<D>) -> String {
        let (dims, values) = float_values(tensor);
        self.constant(hint, dims, values)
    }

    fn node_named(&mut self, op: &str, inputs: &[&str], attrs: Vec<AttributeProto>, output: &str) {
        let mut node = NodeProto::new();
        node.op_type = op.into();
        node.name = format!("{op}_{output}");
        node.input = inputs.iter().map(|s| s.to_string()).collect();
        node.output = vec![output.into()];
        node.attribute = attrs;
        self.graph.node.push(node);
    }

    /// A node with one output; returns its name.
    pub fn node(&mut self, op: &str, inputs: &[&str], attrs: Vec<(&str, Attr)>) -> String {
        let output = self.fresh(&op.to_lowercase());
        let attrs = attrs.into_iter().map(|(n, v)| attribute(n, v)).collect();
        self.node_named(op, inputs, attrs, &output);
        output
    }

    /// burn `Conv2d` (square kernel, symmetric padding, no dilation/groups).
    pub fn conv(&mut self, x: &str, conv: &Conv2d) -> String {
        let weight = self.param("conv_w", &conv.weight);
        let [_, _, kh, kw] = conv.weight.val().dims();
        let stride = conv.stride.map(|s| s as i64);
        // ONNX pads are [top, left, bottom, right], the same order as burn's Explicit.
        let pads = match conv.padding {
            burn::nn::PaddingConfig2d::Explicit(t, l, b, r) => {
                [t, l, b, r].map(|p| p as i64).to_vec()
            }
            burn::nn::PaddingConfig2d::Valid => vec![0; 4],
            burn::nn::PaddingConfig2d::Same => {
                panic!("export models with explicit padding (layers::conv)")
            }
        };
        let mut inputs = vec![x.to_string(), weight];
        if let Some(bias) = &conv.bias {
            inputs.push(self.param("conv_b", bias));
        }
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let mut attributes = vec![
            ("kernel_shape", Attr::Ints(vec![kh as i64, kw as i64])),
            ("strides", Attr::Ints(stride.to_vec())),
            ("pads", Attr::Ints(pads)),
        ];
        if conv.groups > 1 {
            attributes.push(("group", Attr::Int(conv.groups as i64)));
        }
        self.node("Conv", &refs, attributes)
    }

    /// `silu(conv(x))` through each layer in turn (the encoders' downsampling stacks).
    pub fn conv_silu_stack(&mut self, x: &str, layers: &[Conv2d]) -> String {
        let mut h = x.to_string();
        for layer in layers {
            let c = self.conv(&h, layer);
            h = self.silu(&c);
        }
        h
    }

    /// burn `Linear` (weight `[in, out]`): Gemm with B as stored.
    pub fn linear(&mut self, x: &str, linear: &Linear) -> String {
        let weight = self.param("linear_w", &linear.weight);
        let mut inputs = vec![x.to_string(), weight];
        if let Some(bias) = &linear.bias {
            inputs.push(self.param("linear_b", bias));
        }
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        self.node("Gemm", &refs, vec![])
    }

    /// burn `Linear` applied to the last axis of a tensor of any rank: MatMul (+ Add bias).
    pub fn linear_nd(&mut self, x: &str, linear: &Linear) -> String {
        let weight = self.param("linear_w", &linear.weight);
        let product = self.node("MatMul", &[x, &weight], vec![]);
        match &linear.bias {
            Some(bias) => {
                let bias = self.param("linear_b", bias);
                self.node("Add", &[&product, &bias], vec![])
            }
            None => product,
        }
    }

    /// Output columns `start..start + len` of a 2-D burn `Linear` (one chunk of a fused
    /// projection), as a Gemm over the sliced weights.
    pub fn linear_columns(&mut self, x: &str, linear: &Linear, start: usize, len: usize) -> String {
        let (dims, values) = float_values(linear.weight.val().narrow(1, start, len));
        let weight = self.constant("linear_w", dims, values);
        let mut inputs = vec![x.to_string(), weight];
        if let Some(bias) = &linear.bias {
            let (dims, values) = float_values(bias.val().narrow(0, start, len));
            inputs.push(self.constant("linear_b", dims, values));
        }
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        self.node("Gemm", &refs, vec![])
    }

    /// LayerNormalization over the last axis without learned affine (unit scale, zero bias).
    pub fn layer_norm(&mut self, x: &str, width: usize, epsilon: f32) -> String {
        let scale = self.constant("ln_scale", vec![width as i64], vec![1.0; width]);
        let bias = self.constant("ln_bias", vec![width as i64], vec![0.0; width]);
        self.node(
            "LayerNormalization",
            &[x, &scale, &bias],
            vec![("axis", Attr::Int(-1)), ("epsilon", Attr::Float(epsilon))],
        )
    }

    pub fn transpose(&mut self, x: &str, perm: Vec<i64>) -> String {
        self.node("Transpose", &[x], vec![("perm", Attr::Ints(perm))])
    }

    /// An elementwise binary op (`Add`, `Mul`, ...) with a scalar constant.
    pub fn scalar_op(&mut self, op: &str, x: &str, value: f32) -> String {
        let constant = self.constant("scalar", vec![], vec![value]);
        self.node(op, &[x, &constant], vec![])
    }

    /// x * sigmoid(x)
    pub fn silu(&mut self, x: &str) -> String {
        let gate = self.node("Sigmoid", &[x], vec![]);
        self.node("Mul", &[x, &gate], vec![])
    }

    /// Nearest 2x upsampling with floor mapping (burn's nearest interpolate).
    pub fn upsample2(&mut self, x: &str) -> String {
        let scales = self.constant("scales", vec![4], vec![1.0, 1.0, 2.0, 2.0]);
        self.node(
            "Resize",
            &[x, "", &scales],
            vec![
                ("mode", Attr::Str("nearest")),
                ("coordinate_transformation_mode", Attr::Str("asymmetric")),
                ("nearest_mode", Attr::Str("floor")),
            ],
        )
    }

    /// Clamp to [min, max] (Clip with scalar bounds).
    pub fn clip(&mut self, x: &str, min: f32, max: f32) -> String {
        let lo = self.constant("clip_min", vec![], vec![min]);
        let hi = self.constant("clip_max", vec![], vec![max]);
        self.node("Clip", &[x, &lo, &hi], vec![])
    }

    pub fn reshape(&mut self, x: &str, shape: Vec<i64>) -> String {
        let shape = self.constant_i64("shape", shape);
        self.node("Reshape", &[x, &shape], vec![])
    }

    /// Serialises the model, with `metadata` as string properties.
    pub fn finish(self, metadata: &[(&str, String)]) -> Vec<u8> {
        let mut opset = OperatorSetIdProto::new();
        opset.version = OPSET;
        let mut model = ModelProto::new();
        model.ir_version = IR_VERSION;
        model.opset_import = vec![opset];
        model.producer_name = "synesthete-trainer".into();
        model.producer_version = env!("CARGO_PKG_VERSION").into();
        model.metadata_props = metadata
            .iter()
            .map(|(k, v)| {
                let mut entry = StringStringEntryProto::new();
                entry.key = k.to_string();
                entry.value = v.clone();
                entry
            })
            .collect();
        model.graph = Some(self.graph).into();
        model
            .write_to_bytes()
            .expect("an in-memory ONNX model serialises")
    }
}
