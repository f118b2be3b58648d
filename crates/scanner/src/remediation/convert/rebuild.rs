//! A strict evaluator for the tensor-rebuild subset of a checkpoint pickle.
//!
//! It runs the opcodes of one pickle over a value arena, the way `pickle.load` would,
//! but the only callables it knows are the ones `torch.load(weights_only=True)` needs to
//! rebuild plain dense tensors: `torch._utils._rebuild_tensor{,_v2,_v3}`,
//! `_rebuild_parameter{,_with_state}`, `torch._tensor._rebuild_from_type_v2`,
//! `collections.OrderedDict`, the typed and untyped storage classes, `torch.<dtype>`,
//! `torch.Size` and `torch.device`. Calling one of them builds a description (a
//! [`TensorView`] over a storage key), never a Python object.
//!
//! Must never resolve, import or call anything else: every other GLOBAL, STACK_GLOBAL,
//! INST, OBJ, NEWOBJ, EXT or persistent id ends the evaluation with an error naming it.
//! Every structure is bounded by [`Limits`]: values (`max_pickle_values`), container
//! slots (the same number again), string bytes (`max_pickle_kept_bytes`), stack, memo and
//! opcodes. Nothing recurses.

use std::collections::HashMap;
use std::rc::Rc;

use super::{ConvertError, Dtype};
use crate::limits::Limits;
use crate::pickle::opcodes::{IntArg, Literal, Op, OpReader};

/// An index into the evaluator's arena.
pub type Id = usize;

/// What a storage class says about its elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageKind {
    /// `torch.FloatStorage` and friends: elements of one dtype.
    Typed(Dtype),
    /// `torch.UntypedStorage`: bytes, typed later by `_rebuild_tensor_v3`.
    Untyped,
}

impl StorageKind {
    /// The dtype a tensor sees when nothing else says (bytes for untyped storage).
    fn element(self) -> Dtype {
        match self {
            StorageKind::Typed(dtype) => dtype,
            StorageKind::Untyped => Dtype::U8,
        }
    }
}

/// A storage named by a persistent id: `('storage', class, key, location, numel[, view])`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageRef {
    /// The archive key (`data/<key>` member, or legacy storage key).
    pub key: String,
    /// Element type of the storage.
    pub kind: StorageKind,
    /// Elements in the whole (root) storage.
    pub numel: u64,
    /// Legacy views: elements skipped at the start of the root storage.
    pub view_offset: u64,
    /// Legacy views: elements of the view (the root's `numel` otherwise).
    pub view_numel: u64,
}

/// A dense tensor as `_rebuild_tensor_v2` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorView {
    /// Where its elements live (shared: tensors of one storage point at one description).
    pub storage: Rc<StorageRef>,
    /// Element type.
    pub dtype: Dtype,
    /// Offset in elements from the start of the (view of the) storage.
    pub offset: u64,
    /// Shape.
    pub size: Vec<u64>,
    /// Strides in elements.
    pub stride: Vec<u64>,
}

/// The callables of the subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callable {
    /// `torch._utils._rebuild_tensor` (storage, offset, size, stride).
    RebuildTensor,
    /// `torch._utils._rebuild_tensor_v2` (+ requires_grad, hooks[, metadata]).
    RebuildTensorV2,
    /// `torch._utils._rebuild_tensor_v3` (+ requires_grad, hooks, dtype[, metadata]).
    RebuildTensorV3,
    /// `torch._utils._rebuild_parameter` (data, requires_grad, hooks).
    RebuildParameter,
    /// `torch._utils._rebuild_parameter_with_state` (+ state).
    RebuildParameterWithState,
    /// `torch._tensor._rebuild_from_type_v2` (func, type, args, state).
    RebuildFromTypeV2,
    /// `collections.OrderedDict`.
    OrderedDict,
    /// A storage class.
    Storage(StorageKind),
    /// `torch.<dtype>`.
    DtypeValue(Dtype),
    /// `torch.Tensor`.
    TensorClass,
    /// `torch.nn.parameter.Parameter`.
    ParameterClass,
    /// `torch.Size`.
    Size,
    /// `torch.device`.
    Device,
}

impl Callable {
    /// The `module.name` of the global.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Callable::RebuildTensor => "torch._utils._rebuild_tensor",
            Callable::RebuildTensorV2 => "torch._utils._rebuild_tensor_v2",
            Callable::RebuildTensorV3 => "torch._utils._rebuild_tensor_v3",
            Callable::RebuildParameter => "torch._utils._rebuild_parameter",
            Callable::RebuildParameterWithState => "torch._utils._rebuild_parameter_with_state",
            Callable::RebuildFromTypeV2 => "torch._tensor._rebuild_from_type_v2",
            Callable::OrderedDict => "collections.OrderedDict",
            Callable::Storage(StorageKind::Untyped) => "torch.UntypedStorage",
            Callable::Storage(StorageKind::Typed(_)) => "a torch storage class",
            Callable::DtypeValue(_) => "a torch dtype",
            Callable::TensorClass => "torch.Tensor",
            Callable::ParameterClass => "torch.nn.parameter.Parameter",
            Callable::Size => "torch.Size",
            Callable::Device => "torch.device",
        }
    }
}

/// One value of the arena.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// `None`.
    None,
    /// A bool.
    Bool(bool),
    /// An int that fits in i64.
    Int(i64),
    /// A wider int: the reader's text for it (not always its digits).
    BigInt(String),
    /// A float.
    Float(f64),
    /// A str.
    Str(String),
    /// bytes.
    Bytes(Vec<u8>),
    /// A tuple.
    Tuple(Vec<Id>),
    /// A list.
    List(Vec<Id>),
    /// A dict or OrderedDict, in insertion order, with attributes set by BUILD.
    Dict {
        /// Items.
        items: Vec<(Id, Id)>,
        /// Instance attributes (`state_dict._metadata`): string key, value.
        attrs: Vec<(Id, Id)>,
    },
    /// One of the subset's callables.
    Callable(Callable),
    /// A storage from a persistent id.
    Storage(Rc<StorageRef>),
    /// A tensor (shared, so that rebuilding a parameter or a memo reference copies nothing).
    Tensor(Rc<TensorView>),
    /// A `torch.device`.
    Device(String),
}

/// The result of one pickle: its arena and its root value.
#[derive(Debug, Default)]
pub struct Evaluated {
    /// Every value built.
    pub nodes: Vec<Node>,
    /// The value STOP returned.
    pub root: Id,
}

impl Evaluated {
    /// The node `id` (an internal id always exists; `None` is a harmless fallback).
    #[must_use]
    pub fn node(&self, id: Id) -> &Node {
        self.nodes.get(id).unwrap_or(&Node::None)
    }
}

/// Whether persistent ids are expected and in which form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    /// A bare pickle: no persistent ids.
    Forbidden,
    /// `torch.save` zip: `('storage', class, key, location, numel)`.
    Zip,
    /// Legacy `torch.save`: `('storage', class, key, location, numel, view_metadata)`.
    Legacy,
}

/// Resolve `module.name` against the subset, or refuse naming it.
///
/// # Errors
/// Every global outside the subset; with a specific reason for tensor kinds safetensors
/// cannot hold.
pub fn resolve(module: &str, name: &str) -> Result<Callable, ConvertError> {
    let unsupported = |why: &str| Err(ConvertError::Unsupported(format!("{module}.{name}: {why}")));
    match (module, name) {
        ("torch._utils", "_rebuild_tensor") => Ok(Callable::RebuildTensor),
        ("torch._utils", "_rebuild_tensor_v2") => Ok(Callable::RebuildTensorV2),
        ("torch._utils", "_rebuild_tensor_v3") => Ok(Callable::RebuildTensorV3),
        ("torch._utils", "_rebuild_parameter") => Ok(Callable::RebuildParameter),
        ("torch._utils", "_rebuild_parameter_with_state") => {
            Ok(Callable::RebuildParameterWithState)
        }
        ("torch._tensor", "_rebuild_from_type_v2") => Ok(Callable::RebuildFromTypeV2),
        ("collections", "OrderedDict") => Ok(Callable::OrderedDict),
        ("torch" | "torch.storage", "UntypedStorage") => {
            Ok(Callable::Storage(StorageKind::Untyped))
        }
        ("torch", "Tensor") => Ok(Callable::TensorClass),
        ("torch.nn.parameter", "Parameter") => Ok(Callable::ParameterClass),
        ("torch", "Size") => Ok(Callable::Size),
        ("torch", "device") => Ok(Callable::Device),
        ("torch._utils", "_rebuild_sparse_tensor" | "_rebuild_sparse_csr_tensor") => {
            unsupported("sparse tensors have no safetensors form")
        }
        ("torch._utils", "_rebuild_qtensor") => {
            unsupported("quantized tensors have no safetensors form")
        }
        ("torch._utils", "_rebuild_meta_tensor_no_storage") => {
            unsupported("a meta tensor has no data to convert")
        }
        ("torch._utils", "_rebuild_nested_tensor") => {
            unsupported("nested tensors have no safetensors form")
        }
        ("torch._utils", "_rebuild_wrapper_subclass") => {
            unsupported("tensor wrapper subclasses have no safetensors form")
        }
        ("torch", storage) if storage.ends_with("Storage") => storage_class(module, storage),
        ("torch", dtype) => match dtype_named(dtype) {
            Some(Ok(dtype)) => Ok(Callable::DtypeValue(dtype)),
            Some(Err(why)) => unsupported(why),
            None => Err(ConvertError::DisallowedGlobal(format!("{module}.{name}"))),
        },
        _ => Err(ConvertError::DisallowedGlobal(format!("{module}.{name}"))),
    }
}

fn storage_class(module: &str, name: &str) -> Result<Callable, ConvertError> {
    let dtype = match name {
        "DoubleStorage" => Dtype::F64,
        "FloatStorage" => Dtype::F32,
        "HalfStorage" => Dtype::F16,
        "BFloat16Storage" => Dtype::BF16,
        "LongStorage" => Dtype::I64,
        "IntStorage" => Dtype::I32,
        "ShortStorage" => Dtype::I16,
        "CharStorage" => Dtype::I8,
        "ByteStorage" => Dtype::U8,
        "BoolStorage" => Dtype::Bool,
        "ComplexFloatStorage" | "ComplexDoubleStorage" => {
            return Err(ConvertError::Unsupported(format!(
                "{module}.{name}: complex dtypes have no safetensors form"
            )));
        }
        "QInt8Storage" | "QUInt8Storage" | "QInt32Storage" | "QUInt4x2Storage"
        | "QUInt2x4Storage" => {
            return Err(ConvertError::Unsupported(format!(
                "{module}.{name}: quantized dtypes have no safetensors form"
            )));
        }
        _ => return Err(ConvertError::DisallowedGlobal(format!("{module}.{name}"))),
    };
    Ok(Callable::Storage(StorageKind::Typed(dtype)))
}

/// `torch.<name>` as a dtype: `Some(Err)` for dtypes safetensors cannot hold.
fn dtype_named(name: &str) -> Option<Result<Dtype, &'static str>> {
    Some(Ok(match name {
        "float64" | "double" => Dtype::F64,
        "float32" | "float" => Dtype::F32,
        "float16" | "half" => Dtype::F16,
        "bfloat16" => Dtype::BF16,
        "float8_e4m3fn" => Dtype::F8E4M3,
        "float8_e5m2" => Dtype::F8E5M2,
        "int64" | "long" => Dtype::I64,
        "int32" | "int" => Dtype::I32,
        "int16" | "short" => Dtype::I16,
        "int8" => Dtype::I8,
        "uint64" => Dtype::U64,
        "uint32" => Dtype::U32,
        "uint16" => Dtype::U16,
        "uint8" => Dtype::U8,
        "bool" => Dtype::Bool,
        "complex32" | "complex64" | "complex128" | "cfloat" | "cdouble" | "chalf" => {
            return Some(Err("complex dtypes have no safetensors form"));
        }
        "qint8" | "quint8" | "qint32" | "quint4x2" | "quint2x4" => {
            return Some(Err("quantized dtypes have no safetensors form"));
        }
        "float8_e4m3fnuz" | "float8_e5m2fnuz" | "bits8" | "bits16" | "bits1x8" | "bits2x4"
        | "bits4x2" => return Some(Err("this dtype has no safetensors form")),
        _ => return None,
    }))
}

/// The most arguments a call of the subset takes (`_rebuild_tensor_v3` with metadata);
/// longer argument tuples are refused before they are looked at.
const MAX_CALL_ARGS: usize = 8;

/// The evaluator's state for one pickle.
struct Machine<'l> {
    limits: &'l Limits,
    /// Container slots (tuple, list and dict items) still allowed.
    slots_left: usize,
    /// String and bytes literal bytes still allowed.
    bytes_left: usize,
    persistence: Persistence,
    nodes: Vec<Node>,
    stack: Vec<Id>,
    marks: Vec<usize>,
    memo: HashMap<u64, Id>,
}

/// Evaluate the next pickle of `reader` (up to its STOP).
///
/// # Errors
/// A refusal naming the first global or opcode outside the subset, a malformed stream,
/// or a spent budget.
pub fn evaluate(
    reader: &mut OpReader<'_>,
    persistence: Persistence,
    limits: &Limits,
) -> Result<Evaluated, ConvertError> {
    let mut machine = Machine {
        limits,
        slots_left: limits.max_pickle_values,
        bytes_left: limits.max_pickle_kept_bytes,
        persistence,
        nodes: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    let mut opcodes: u64 = 0;
    loop {
        let located = reader
            .next_op()
            .map_err(|e| ConvertError::Malformed(format!("pickle: {e}")))?
            .ok_or_else(|| ConvertError::Malformed("pickle ends without STOP".into()))?;
        opcodes += 1;
        if opcodes > limits.max_pickle_opcodes {
            return Err(ConvertError::Budget(format!(
                "more than {} pickle opcodes (max_pickle_opcodes)",
                limits.max_pickle_opcodes
            )));
        }
        if let Op::Stop = located.op {
            let root = machine.pop()?;
            return Ok(Evaluated {
                nodes: machine.nodes,
                root,
            });
        }
        machine
            .step(located.op)
            .map_err(|e| e.at_offset(located.offset))?;
    }
}

fn text_of(literal: &Literal, limits: &Limits) -> Result<String, ConvertError> {
    if literal.is_truncated() {
        return Err(ConvertError::Budget(format!(
            "a string of {} bytes is longer than max_convert_literal ({})",
            literal.full_len, limits.max_convert_literal
        )));
    }
    String::from_utf8(literal.kept.clone())
        .map_err(|_| ConvertError::Malformed("a string is not UTF-8".into()))
}

fn latin1_of(literal: &Literal, limits: &Limits) -> Result<String, ConvertError> {
    if literal.is_truncated() {
        return Err(ConvertError::Budget(format!(
            "a string of {} bytes is longer than max_convert_literal ({})",
            literal.full_len, limits.max_convert_literal
        )));
    }
    Ok(literal.kept.iter().map(|b| char::from(*b)).collect())
}

impl Machine<'_> {
    fn charge_slots(&mut self, n: usize) -> Result<(), ConvertError> {
        self.slots_left = self.slots_left.checked_sub(n).ok_or_else(|| {
            ConvertError::Budget(format!(
                "more than {} container items (max_pickle_values)",
                self.limits.max_pickle_values
            ))
        })?;
        Ok(())
    }

    fn charge_bytes(&mut self, n: usize) -> Result<(), ConvertError> {
        self.bytes_left = self.bytes_left.checked_sub(n).ok_or_else(|| {
            ConvertError::Budget(format!(
                "more than {} bytes of strings (max_pickle_kept_bytes)",
                self.limits.max_pickle_kept_bytes
            ))
        })?;
        Ok(())
    }

    fn alloc(&mut self, node: Node) -> Result<Id, ConvertError> {
        if self.nodes.len() >= self.limits.max_pickle_values {
            return Err(ConvertError::Budget(format!(
                "more than {} pickle values (max_pickle_values)",
                self.limits.max_pickle_values
            )));
        }
        self.nodes.push(node);
        Ok(self.nodes.len() - 1)
    }

    fn push(&mut self, node: Node) -> Result<(), ConvertError> {
        let id = self.alloc(node)?;
        self.push_id(id)
    }

    fn push_id(&mut self, id: Id) -> Result<(), ConvertError> {
        if self.stack.len() >= self.limits.max_pickle_stack {
            return Err(ConvertError::Budget(format!(
                "pickle stack deeper than {} (max_pickle_stack)",
                self.limits.max_pickle_stack
            )));
        }
        self.stack.push(id);
        Ok(())
    }

    fn pop(&mut self) -> Result<Id, ConvertError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(ConvertError::Malformed("pickle stack underflow".into()));
        }
        self.stack
            .pop()
            .ok_or_else(|| ConvertError::Malformed("pickle stack underflow".into()))
    }

    fn top(&self) -> Result<Id, ConvertError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        match self.stack.last() {
            Some(id) if self.stack.len() > floor => Ok(*id),
            _ => Err(ConvertError::Malformed("pickle stack underflow".into())),
        }
    }

    fn pop_mark(&mut self) -> Result<Vec<Id>, ConvertError> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| ConvertError::Malformed("no MARK on the pickle stack".into()))?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn node(&self, id: Id) -> &Node {
        self.nodes.get(id).unwrap_or(&Node::None)
    }

    fn node_mut(&mut self, id: Id) -> Result<&mut Node, ConvertError> {
        self.nodes
            .get_mut(id)
            .ok_or_else(|| ConvertError::Malformed("dangling value".into()))
    }

    fn step(&mut self, op: Op) -> Result<(), ConvertError> {
        let limits = self.limits;
        match op {
            Op::Proto(_) | Op::Frame(_) => {}
            Op::Stop => {}
            Op::Mark => {
                if self.marks.len() >= limits.max_pickle_stack {
                    return Err(ConvertError::Budget("too many MARKs".into()));
                }
                self.marks.push(self.stack.len());
            }
            Op::Pop => {
                self.pop()?;
            }
            Op::PopMark => {
                self.pop_mark()?;
            }
            Op::Dup => {
                let id = self.top()?;
                self.push_id(id)?;
            }
            Op::Int(IntArg::Small(v)) => self.push(Node::Int(v))?,
            Op::Int(IntArg::Big(text)) => {
                self.charge_bytes(text.len())?;
                self.push(Node::BigInt(text))?;
            }
            Op::Float(v) => self.push(Node::Float(v))?,
            Op::Bool(v) => self.push(Node::Bool(v))?,
            Op::None => self.push(Node::None)?,
            Op::PyStr(lit) => {
                self.charge_bytes(lit.kept.len())?;
                let text = latin1_of(&lit, limits)?;
                self.push(Node::Str(text))?;
            }
            Op::Unicode(lit) => {
                self.charge_bytes(lit.kept.len())?;
                let text = text_of(&lit, limits)?;
                self.push(Node::Str(text))?;
            }
            Op::Bytes(lit) | Op::ByteArray(lit) => {
                if lit.is_truncated() {
                    return Err(ConvertError::Budget(format!(
                        "a bytes literal of {} bytes is longer than max_convert_literal",
                        lit.full_len
                    )));
                }
                self.charge_bytes(lit.kept.len())?;
                self.push(Node::Bytes(lit.kept))?;
            }
            Op::EmptyTuple => self.push(Node::Tuple(Vec::new()))?,
            Op::Tuple => {
                let items = self.pop_mark()?;
                self.charge_slots(items.len())?;
                self.push(Node::Tuple(items))?;
            }
            Op::TupleN(n) => {
                self.charge_slots(usize::from(n))?;
                let mut items = Vec::with_capacity(usize::from(n));
                for _ in 0..n {
                    items.push(self.pop()?);
                }
                items.reverse();
                self.push(Node::Tuple(items))?;
            }
            Op::EmptyList => self.push(Node::List(Vec::new()))?,
            Op::List => {
                let items = self.pop_mark()?;
                self.charge_slots(items.len())?;
                self.push(Node::List(items))?;
            }
            Op::Append => {
                self.charge_slots(1)?;
                let item = self.pop()?;
                let list = self.top()?;
                self.extend_list(list, vec![item])?;
            }
            Op::Appends => {
                let items = self.pop_mark()?;
                self.charge_slots(items.len())?;
                let list = self.top()?;
                self.extend_list(list, items)?;
            }
            Op::EmptyDict => self.push(Node::Dict {
                items: Vec::new(),
                attrs: Vec::new(),
            })?,
            Op::Dict => {
                let flat = self.pop_mark()?;
                self.charge_slots(flat.len())?;
                let items = pairs(flat)?;
                self.push(Node::Dict {
                    items,
                    attrs: Vec::new(),
                })?;
            }
            Op::SetItem => {
                self.charge_slots(2)?;
                let value = self.pop()?;
                let key = self.pop()?;
                let dict = self.top()?;
                self.set_items(dict, vec![(key, value)])?;
            }
            Op::SetItems => {
                let flat = self.pop_mark()?;
                self.charge_slots(flat.len())?;
                let dict = self.top()?;
                self.set_items(dict, pairs(flat)?)?;
            }
            Op::EmptySet | Op::AddItems | Op::FrozenSet => {
                return Err(ConvertError::Unsupported(
                    "a set in the checkpoint (no tensor rebuild needs one)".into(),
                ));
            }
            Op::Global { module, name } => {
                let module = text_of(&module, limits)?;
                let name = text_of(&name, limits)?;
                let callable = resolve(&module, &name)?;
                self.push(Node::Callable(callable))?;
            }
            Op::StackGlobal => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Node::Str(module), Node::Str(name)) = (self.node(module), self.node(name))
                else {
                    return Err(ConvertError::Malformed(
                        "STACK_GLOBAL without two strings".into(),
                    ));
                };
                let callable = resolve(module, name)?;
                self.push(Node::Callable(callable))?;
            }
            Op::Inst { module, name } => {
                return Err(ConvertError::DisallowedGlobal(format!(
                    "{}.{} (INST)",
                    String::from_utf8_lossy(&module.kept),
                    String::from_utf8_lossy(&name.kept)
                )));
            }
            Op::Obj | Op::NewObj | Op::NewObjEx => {
                // The class sits first after the MARK (OBJ), or under its arguments.
                let class_at = match op {
                    Op::Obj => self.marks.last().copied(),
                    Op::NewObj => self.stack.len().checked_sub(2),
                    _ => self.stack.len().checked_sub(3),
                };
                let class = match class_at.and_then(|at| self.stack.get(at)) {
                    Some(id) => match self.node(*id) {
                        Node::Callable(callable) => callable.name(),
                        _ => "a class",
                    },
                    None => "a class",
                };
                return Err(ConvertError::DisallowedGlobal(format!(
                    "{class} instantiated by OBJ/NEWOBJ (no tensor rebuild does this)"
                )));
            }
            Op::Reduce => {
                let args = self.pop()?;
                let callable = self.pop()?;
                let Node::Callable(callable) = *self.node(callable) else {
                    return Err(ConvertError::Malformed(
                        "REDUCE of something that is not a callable".into(),
                    ));
                };
                let args = match self.node(args) {
                    Node::Tuple(args) if args.len() <= MAX_CALL_ARGS => args.clone(),
                    Node::Tuple(_) => {
                        return Err(ConvertError::Malformed(format!(
                            "a call of {} with more arguments than it takes",
                            callable.name()
                        )));
                    }
                    _ => {
                        return Err(ConvertError::Malformed(
                            "REDUCE arguments are not a tuple".into(),
                        ));
                    }
                };
                let result = self.call(callable, &args)?;
                self.push(result)?;
            }
            Op::Build => {
                let state = self.pop()?;
                let target = self.top()?;
                self.build(target, state)?;
            }
            Op::Ext(code) => {
                return Err(ConvertError::DisallowedGlobal(format!(
                    "extension code {code} (EXT opcodes resolve globals through copyreg)"
                )));
            }
            Op::PersId(_) => {
                return Err(ConvertError::Unsupported(
                    "a text persistent id (PERSID): torch.save never writes one".into(),
                ));
            }
            Op::BinPersId => {
                let pid = self.pop()?;
                let storage = self.persistent(pid)?;
                self.charge_bytes(storage.key.len())?;
                self.push(Node::Storage(Rc::new(storage)))?;
            }
            Op::Put(slot) => {
                let id = self.top()?;
                self.remember(slot, id)?;
            }
            Op::Memoize => {
                let id = self.top()?;
                let slot = self.memo.len() as u64;
                self.remember(slot, id)?;
            }
            Op::Get(slot) => {
                let id = *self
                    .memo
                    .get(&slot)
                    .ok_or_else(|| ConvertError::Malformed(format!("memo slot {slot} is empty")))?;
                self.push_id(id)?;
            }
            Op::NextBuffer | Op::ReadonlyBuffer => {
                return Err(ConvertError::Unsupported(
                    "out-of-band buffers (protocol 5 NEXT_BUFFER)".into(),
                ));
            }
            Op::Unknown(byte) => {
                return Err(ConvertError::Malformed(format!(
                    "unknown pickle opcode {byte:#04x}"
                )));
            }
        }
        Ok(())
    }

    fn remember(&mut self, slot: u64, id: Id) -> Result<(), ConvertError> {
        if self.memo.len() >= self.limits.max_pickle_memo && !self.memo.contains_key(&slot) {
            return Err(ConvertError::Budget(format!(
                "more than {} memo entries (max_pickle_memo)",
                self.limits.max_pickle_memo
            )));
        }
        self.memo.insert(slot, id);
        Ok(())
    }

    fn extend_list(&mut self, list: Id, items: Vec<Id>) -> Result<(), ConvertError> {
        match self.node_mut(list)? {
            Node::List(existing) => {
                existing.extend(items);
                Ok(())
            }
            _ => Err(ConvertError::Malformed(
                "APPEND to something not a list".into(),
            )),
        }
    }

    fn set_items(&mut self, dict: Id, items: Vec<(Id, Id)>) -> Result<(), ConvertError> {
        match self.node_mut(dict)? {
            Node::Dict {
                items: existing, ..
            } => {
                existing.extend(items);
                Ok(())
            }
            _ => Err(ConvertError::Malformed(
                "SETITEM on something not a dict".into(),
            )),
        }
    }

    /// BUILD: only instance attributes of a dict (`OrderedDict.__dict__`, which holds a
    /// state dict's `_metadata`) are accepted.
    fn build(&mut self, target: Id, state: Id) -> Result<(), ConvertError> {
        let named = match self.node(state) {
            Node::Dict { items, .. } => items.clone(),
            _ => {
                return Err(ConvertError::Unsupported(
                    "BUILD with a state that is not a dict".into(),
                ));
            }
        };
        self.charge_slots(named.len().saturating_mul(2))?;
        if named
            .iter()
            .any(|(key, _)| !matches!(self.node(*key), Node::Str(_)))
        {
            return Err(ConvertError::Malformed(
                "BUILD state with a key that is not a string".into(),
            ));
        }
        match self.node_mut(target)? {
            Node::Dict { attrs, .. } => {
                attrs.extend(named);
                Ok(())
            }
            _ => Err(ConvertError::Unsupported(
                "BUILD sets state on something other than a dict".into(),
            )),
        }
    }

    fn int_arg(&self, args: &[Id], at: usize, what: &str) -> Result<u64, ConvertError> {
        match args.get(at).map(|id| self.node(*id)) {
            Some(Node::Int(v)) => u64::try_from(*v)
                .map_err(|_| ConvertError::Malformed(format!("{what} is negative"))),
            _ => Err(ConvertError::Malformed(format!("{what} is not an int"))),
        }
    }

    fn ints_arg(&self, args: &[Id], at: usize, what: &str) -> Result<Vec<u64>, ConvertError> {
        let items = match args.get(at).map(|id| self.node(*id)) {
            Some(Node::Tuple(items) | Node::List(items)) => items.clone(),
            _ => return Err(ConvertError::Malformed(format!("{what} is not a tuple"))),
        };
        (0..items.len())
            .map(|i| self.int_arg(&items, i, what))
            .collect()
    }

    fn call(&mut self, callable: Callable, args: &[Id]) -> Result<Node, ConvertError> {
        match callable {
            Callable::OrderedDict => self.ordered_dict(args),
            Callable::Size => {
                let dims = self.ints_arg(args, 0, "torch.Size argument")?;
                self.charge_slots(dims.len())?;
                let mut ids = Vec::with_capacity(dims.len());
                for dim in dims {
                    ids.push(self.alloc(Node::Int(i64::try_from(dim).unwrap_or(i64::MAX)))?);
                }
                Ok(Node::Tuple(ids))
            }
            Callable::Device => match args.first().map(|id| self.node(*id)) {
                Some(Node::Str(name)) => {
                    let name = match args.get(1).map(|id| self.node(*id)) {
                        Some(Node::Int(index)) => format!("{name}:{index}"),
                        _ => name.clone(),
                    };
                    self.charge_bytes(name.len())?;
                    Ok(Node::Device(name))
                }
                _ => Err(ConvertError::Malformed(
                    "torch.device without a name".into(),
                )),
            },
            Callable::RebuildTensor | Callable::RebuildTensorV2 | Callable::RebuildTensorV3 => {
                self.rebuild_tensor(callable, args)
            }
            Callable::RebuildParameter | Callable::RebuildParameterWithState => {
                if callable == Callable::RebuildParameterWithState
                    && !self.is_empty_state(args.get(3).copied())
                {
                    return Err(ConvertError::Unsupported(
                        "a Parameter with Python attributes (its state would be lost)".into(),
                    ));
                }
                match args.first().map(|id| self.node(*id)) {
                    Some(tensor @ Node::Tensor(_)) => Ok(tensor.clone()),
                    _ => Err(ConvertError::Malformed(
                        "_rebuild_parameter of something that is not a tensor".into(),
                    )),
                }
            }
            Callable::RebuildFromTypeV2 => {
                let func = args.first().map(|id| self.node(*id).clone());
                let class = args.get(1).map(|id| self.node(*id).clone());
                if !self.is_empty_state(args.get(3).copied()) {
                    return Err(ConvertError::Unsupported(
                        "a tensor with Python attributes (its state would be lost)".into(),
                    ));
                }
                if !matches!(
                    class,
                    Some(Node::Callable(
                        Callable::TensorClass | Callable::ParameterClass
                    ))
                ) {
                    return Err(ConvertError::Unsupported(
                        "a tensor subclass other than torch.Tensor or Parameter".into(),
                    ));
                }
                let Some(Node::Callable(func)) = func else {
                    return Err(ConvertError::Malformed(
                        "_rebuild_from_type_v2 without a function".into(),
                    ));
                };
                if !matches!(
                    func,
                    Callable::RebuildTensor
                        | Callable::RebuildTensorV2
                        | Callable::RebuildTensorV3
                        | Callable::RebuildParameter
                        | Callable::RebuildParameterWithState
                ) {
                    return Err(ConvertError::Unsupported(
                        "_rebuild_from_type_v2 of a function that rebuilds no tensor".into(),
                    ));
                }
                let Some(Node::Tuple(inner)) = args.get(2).map(|id| self.node(*id).clone()) else {
                    return Err(ConvertError::Malformed(
                        "_rebuild_from_type_v2 arguments are not a tuple".into(),
                    ));
                };
                // `func` is a tensor rebuild, whose own arguments hold no nested call.
                self.call(func, &inner)
            }
            Callable::Storage(_)
            | Callable::DtypeValue(_)
            | Callable::TensorClass
            | Callable::ParameterClass => Err(ConvertError::Unsupported(
                "a class or dtype called directly (torch.save never does this)".into(),
            )),
        }
    }

    /// `OrderedDict()` or `OrderedDict([(k, v), ...])`.
    fn ordered_dict(&mut self, args: &[Id]) -> Result<Node, ConvertError> {
        let mut items = Vec::new();
        match args {
            [] => {}
            [pairs_id] => {
                let pairs = match self.node(*pairs_id) {
                    Node::List(items) | Node::Tuple(items) => {
                        let items = items.clone();
                        self.charge_slots(items.len().saturating_mul(3))?;
                        items
                    }
                    _ => {
                        return Err(ConvertError::Unsupported(
                            "OrderedDict of something other than a list of pairs".into(),
                        ));
                    }
                };
                for pair in pairs {
                    match self.node(pair) {
                        Node::Tuple(kv) | Node::List(kv) if let [key, value] = kv.as_slice() => {
                            items.push((*key, *value));
                        }
                        _ => {
                            return Err(ConvertError::Malformed(
                                "OrderedDict item is not a pair".into(),
                            ));
                        }
                    }
                }
            }
            _ => {
                return Err(ConvertError::Malformed(
                    "OrderedDict with more than one argument".into(),
                ));
            }
        }
        Ok(Node::Dict {
            items,
            attrs: Vec::new(),
        })
    }

    fn is_empty_state(&self, state: Option<Id>) -> bool {
        match state.map(|id| self.node(id)) {
            None | Some(Node::None) => true,
            Some(Node::Dict { items, attrs }) => items.is_empty() && attrs.is_empty(),
            Some(_) => false,
        }
    }

    fn rebuild_tensor(&mut self, callable: Callable, args: &[Id]) -> Result<Node, ConvertError> {
        let Some(Node::Storage(storage)) = args.first().map(|id| self.node(*id)) else {
            return Err(ConvertError::Malformed(
                "tensor rebuild without a storage".into(),
            ));
        };
        let offset = self.int_arg(args, 1, "storage offset")?;
        let storage = Rc::clone(storage);
        let size = self.ints_arg(args, 2, "tensor size")?;
        let stride = self.ints_arg(args, 3, "tensor stride")?;
        self.charge_slots(size.len().saturating_mul(2))?;
        if size.len() != stride.len() {
            return Err(ConvertError::Malformed(
                "tensor size and stride differ in length".into(),
            ));
        }
        let (dtype, metadata_at) = match callable {
            Callable::RebuildTensorV3 => {
                let Some(Node::Callable(Callable::DtypeValue(dtype))) =
                    args.get(6).map(|id| self.node(*id))
                else {
                    return Err(ConvertError::Malformed(
                        "_rebuild_tensor_v3 without a dtype".into(),
                    ));
                };
                if storage.kind != StorageKind::Untyped && storage.kind.element() != *dtype {
                    return Err(ConvertError::Malformed(
                        "_rebuild_tensor_v3 dtype differs from its storage".into(),
                    ));
                }
                (*dtype, 7)
            }
            Callable::RebuildTensorV2 => (storage.kind.element(), 6),
            _ => (storage.kind.element(), usize::MAX),
        };
        if !self.is_empty_state(args.get(metadata_at).copied()) {
            return Err(ConvertError::Unsupported(
                "a tensor with metadata (conjugate or negative bit) safetensors cannot record"
                    .into(),
            ));
        }
        Ok(Node::Tensor(Rc::new(TensorView {
            storage,
            dtype,
            offset,
            size,
            stride,
        })))
    }

    fn persistent(&self, pid: Id) -> Result<StorageRef, ConvertError> {
        let Node::Tuple(items) = self.node(pid) else {
            return Err(ConvertError::Unsupported(
                "a persistent id that is not a storage tuple".into(),
            ));
        };
        let expected = match self.persistence {
            Persistence::Forbidden => {
                return Err(ConvertError::Unsupported(
                    "a persistent id outside a torch.save archive (no storage to read)".into(),
                ));
            }
            Persistence::Zip => 5,
            Persistence::Legacy => 6,
        };
        let (Some(typename), Some(class), Some(key)) = (items.first(), items.get(1), items.get(2))
        else {
            return Err(ConvertError::Unsupported(
                "a persistent id that is not ('storage', ...)".into(),
            ));
        };
        if items.len() != expected
            || !matches!(self.node(*typename), Node::Str(s) if s == "storage")
        {
            return Err(ConvertError::Unsupported(
                "a persistent id that is not ('storage', ...) (a pickled module or object)".into(),
            ));
        }
        let Node::Callable(Callable::Storage(kind)) = self.node(*class) else {
            return Err(ConvertError::Malformed(
                "persistent id without a storage class".into(),
            ));
        };
        let key = match self.node(*key) {
            Node::Str(key) => key.clone(),
            Node::Int(key) => key.to_string(),
            _ => {
                return Err(ConvertError::Malformed(
                    "persistent id without a storage key".into(),
                ));
            }
        };
        let numel = self.int_arg(items, 4, "storage size")?;
        let (view_offset, view_numel) = match items.get(5).map(|id| self.node(*id)) {
            None | Some(Node::None) => (0, numel),
            Some(Node::Tuple(view)) if view.len() == 3 => (
                self.int_arg(view, 1, "storage view offset")?,
                self.int_arg(view, 2, "storage view size")?,
            ),
            Some(_) => {
                return Err(ConvertError::Malformed(
                    "storage view metadata is not (key, offset, size)".into(),
                ));
            }
        };
        if view_offset
            .checked_add(view_numel)
            .is_none_or(|end| end > numel)
        {
            return Err(ConvertError::Malformed(
                "storage view reaches past its storage".into(),
            ));
        }
        Ok(StorageRef {
            key,
            kind: *kind,
            numel,
            view_offset,
            view_numel,
        })
    }
}

fn pairs(flat: Vec<Id>) -> Result<Vec<(Id, Id)>, ConvertError> {
    if !flat.len().is_multiple_of(2) {
        return Err(ConvertError::Malformed(
            "odd number of items for a dict".into(),
        ));
    }
    Ok(flat
        .chunks_exact(2)
        .filter_map(|kv| match kv {
            [k, v] => Some((*k, *v)),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8], persistence: Persistence) -> Result<Evaluated, ConvertError> {
        let mut input = bytes;
        let limits = Limits::default();
        let mut reader = OpReader::new(&mut input, limits.max_convert_literal);
        evaluate(&mut reader, persistence, &limits)
    }

    #[test]
    fn resolves_only_the_subset() {
        assert_eq!(
            resolve("torch._utils", "_rebuild_tensor_v2"),
            Ok(Callable::RebuildTensorV2)
        );
        assert_eq!(
            resolve("torch", "HalfStorage"),
            Ok(Callable::Storage(StorageKind::Typed(Dtype::F16)))
        );
        assert_eq!(
            resolve("os", "system"),
            Err(ConvertError::DisallowedGlobal("os.system".into()))
        );
        assert!(matches!(
            resolve("torch", "ComplexFloatStorage"),
            Err(ConvertError::Unsupported(m)) if m.contains("complex")
        ));
        assert!(matches!(
            resolve("torch._utils", "_rebuild_sparse_tensor"),
            Err(ConvertError::Unsupported(m)) if m.contains("sparse")
        ));
        assert!(matches!(
            resolve("torch", "load"),
            Err(ConvertError::DisallowedGlobal(_))
        ));
    }

    #[test]
    fn ordered_dict_with_setitems() {
        let pickle = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00aK\x01X\x01\x00\x00\x00bK\x02u.";
        let evaluated = run(pickle, Persistence::Forbidden).unwrap();
        let Node::Dict { items, .. } = evaluated.node(evaluated.root) else {
            panic!("not a dict")
        };
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn refuses_reduce_of_os_system_before_calling() {
        let pickle = b"\x80\x02cos\nsystem\nX\x0c\x00\x00\x00touch marker\x85R.";
        let error = run(pickle, Persistence::Zip).unwrap_err();
        assert!(error.to_string().contains("os.system"), "{error}");
    }

    #[test]
    fn persistent_ids_only_inside_archives() {
        let pickle = b"\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ.";
        assert!(run(pickle, Persistence::Forbidden).is_err());
        let evaluated = run(pickle, Persistence::Zip).unwrap();
        assert!(matches!(evaluated.node(evaluated.root), Node::Storage(s) if s.numel == 4));
    }

    #[test]
    fn inst_newobj_and_ext_are_refused() {
        let inst = b"(ibuiltins\nprint\n.";
        let error = run(inst, Persistence::Zip).unwrap_err();
        assert!(error.to_string().contains("builtins.print"), "{error}");
        let newobj = b"\x80\x02ccollections\nOrderedDict\n)\x81.";
        assert!(matches!(
            run(newobj, Persistence::Zip),
            Err(ConvertError::DisallowedGlobal(m)) if m.contains("collections.OrderedDict")
        ));
        assert!(run(b"\x80\x02\x82\x01.", Persistence::Zip).is_err());
    }

    #[test]
    fn build_only_sets_dict_attributes() {
        // OrderedDict() then BUILD {'_metadata': {}}: accepted as an attribute.
        let ok = b"\x80\x02ccollections\nOrderedDict\n)R}X\x09\x00\x00\x00_metadata}sb.";
        let evaluated = run(ok, Persistence::Forbidden).unwrap();
        assert!(
            matches!(evaluated.node(evaluated.root), Node::Dict { attrs, .. } if attrs.len() == 1)
        );
        // BUILD on a list is refused.
        let bad = b"\x80\x02]}X\x01\x00\x00\x00aK\x01sb.";
        assert!(matches!(
            run(bad, Persistence::Forbidden),
            Err(ConvertError::Unsupported(_))
        ));
    }

    /// Opcode snippets from the subset and around it, for structured fuzzing.
    const SNIPPETS: &[&[u8]] = &[
        b"(",
        b")",
        b"]",
        b"}",
        b"t",
        b"\x85",
        b"\x86",
        b"\x87",
        b"a",
        b"e",
        b"s",
        b"u",
        b"R",
        b"b",
        b"Q",
        b"0",
        b"2",
        b"N",
        b"\x88",
        b"K\x00",
        b"K\x03",
        b"J\xff\xff\xff\xff",
        b"G?\xf0\x00\x00\x00\x00\x00\x00",
        b"X\x07\x00\x00\x00storage",
        b"X\x01\x00\x00\x000",
        b"X\x03\x00\x00\x00cpu",
        b"ctorch\nFloatStorage\n",
        b"ctorch\nUntypedStorage\n",
        b"ctorch\nuint16\n",
        b"ctorch._utils\n_rebuild_tensor_v2\n",
        b"ctorch._utils\n_rebuild_tensor_v3\n",
        b"ctorch._utils\n_rebuild_parameter\n",
        b"ctorch._tensor\n_rebuild_from_type_v2\n",
        b"ctorch\nTensor\n",
        b"ccollections\nOrderedDict\n",
        b"ctorch\nSize\n",
        b"ctorch\ndevice\n",
        b"q\x00",
        b"q\x01",
        b"h\x00",
        b"h\x01",
        b"\x94",
    ];

    proptest::proptest! {
        #[test]
        fn evaluator_and_flatten_never_panic(
            picks in proptest::collection::vec(0usize..SNIPPETS.len(), 0..60),
            legacy in proptest::bool::ANY,
        ) {
            let mut pickle = b"\x80\x02".to_vec();
            for pick in picks {
                pickle.extend_from_slice(SNIPPETS[pick]);
            }
            pickle.push(b'.');
            let persistence = if legacy { Persistence::Legacy } else { Persistence::Zip };
            if let Ok(evaluated) = run(&pickle, persistence) {
                let _ = super::super::flatten(&evaluated, &Limits::default());
            }
        }
    }
}
