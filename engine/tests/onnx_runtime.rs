//! ONNX Runtime through `ort` (load-dynamic): a model this test writes itself runs and gives
//! the right numbers, and a corrupt model is an error, not a crash.

use std::path::PathBuf;

use onnx_protobuf::{
    GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto,
    TypeProto, ValueInfoProto, tensor_proto::DataType, tensor_shape_proto, type_proto,
};
use ort::session::Session;
use ort::value::Tensor;
use synesthete_engine::runtime;

/// `$SYNESTHETE_ORT_LIB`, else the copy `cargo xtask fetch-ort` put in `target/onnxruntime/`.
fn environment() -> &'static ort::environment::Environment {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    runtime::environment(&[target]).expect("ONNX Runtime loads; run `cargo xtask fetch-ort` first")
}

fn float_input(name: &str, dims: &[i64]) -> ValueInfoProto {
    let mut shape = TensorShapeProto::new();
    shape.dim = dims
        .iter()
        .map(|&d| {
            let mut dim = tensor_shape_proto::Dimension::new();
            dim.value = Some(tensor_shape_proto::dimension::Value::DimValue(d));
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

fn constant(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    let mut tensor = TensorProto::new();
    tensor.name = name.into();
    tensor.dims = dims.to_vec();
    tensor.data_type = DataType::FLOAT as i32;
    tensor.float_data = values.to_vec();
    tensor
}

fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
    let mut node = NodeProto::new();
    node.op_type = op.into();
    node.input = inputs.iter().map(|s| s.to_string()).collect();
    node.output = vec![output.into()];
    node.name = format!("{op}_{output}");
    node
}

/// y = relu(x * scale + bias), x: [1, 4]
fn affine_relu_model() -> Vec<u8> {
    let mut graph = GraphProto::new();
    graph.name = "affine_relu".into();
    graph.input = vec![float_input("x", &[1, 4])];
    graph.output = vec![float_input("y", &[1, 4])];
    graph.initializer = vec![
        constant("scale", &[4], &[1.0, -2.0, 3.0, 0.5]),
        constant("bias", &[1], &[0.25]),
    ];
    graph.node = vec![
        node("Mul", &["x", "scale"], "scaled"),
        node("Add", &["scaled", "bias"], "shifted"),
        node("Relu", &["shifted"], "y"),
    ];
    let mut opset = OperatorSetIdProto::new();
    opset.version = 17;
    let mut model = ModelProto::new();
    // ONNX Runtime 1.31 reads IR versions up to 13.
    model.ir_version = 8;
    model.opset_import = vec![opset];
    model.producer_name = "synesthete-tests".into();
    model.graph = Some(graph).into();
    model.write_to_bytes().unwrap()
}

#[test]
fn a_generated_model_runs_with_the_right_output() {
    let env = environment();
    let mut session = Session::builder(env)
        .unwrap()
        .with_intra_threads(1)
        .unwrap()
        .commit_from_memory(&affine_relu_model())
        .unwrap();
    let x = Tensor::from_array(([1usize, 4], vec![1.0f32, 1.0, -1.0, 4.0])).unwrap();
    let outputs = session.run(ort::inputs!["x" => x]).unwrap();
    let (shape, y) = outputs["y"].try_extract_tensor::<f32>().unwrap();
    assert_eq!(&**shape, &[1, 4]);
    // [1*1+.25, relu(1*-2+.25), relu(-1*3+.25), 4*.5+.25]
    assert_eq!(y, &[1.25, 0.0, 0.0, 2.25]);
}

#[test]
fn a_corrupt_model_is_an_error() {
    let env = environment();
    let mut bytes = affine_relu_model();
    bytes.truncate(bytes.len() / 2);
    let result = Session::builder(env).unwrap().commit_from_memory(&bytes);
    assert!(result.is_err(), "half a model must not load");
    let garbage = Session::builder(env)
        .unwrap()
        .commit_from_memory(b"this is not onnx");
    assert!(garbage.is_err());
}
