//! Write [`Converted`] as a safetensors file.
//!
//! Layout: an 8-byte little-endian header length, a JSON header (`__metadata__` of
//! string values, then per tensor `dtype`, `shape`, `data_offsets`), padded with spaces
//! to a multiple of 8, then the tensor bytes back to back. Tensors are laid out as the
//! Python `safetensors` library orders them: larger element size first, then by name,
//! so the output is deterministic.
//!
//! Must never write a header that disagrees with the data that follows it.

use std::io::{self, Write};

use super::Converted;

/// Serialise `converted` to `out`; returns the bytes written.
///
/// # Errors
/// An I/O error of `out`, or a duplicate tensor name (which no valid header can hold).
pub fn write_safetensors(converted: &Converted, out: &mut impl Write) -> io::Result<u64> {
    let mut order: Vec<&super::Tensor> = converted.tensors.iter().collect();
    order.sort_by(|a, b| {
        b.dtype
            .size()
            .cmp(&a.dtype.size())
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut header = serde_json::Map::new();
    if !converted.metadata.is_empty() {
        let metadata: serde_json::Map<String, serde_json::Value> = converted
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        header.insert("__metadata__".into(), serde_json::Value::Object(metadata));
    }
    let mut offset = 0u64;
    for tensor in &order {
        let end = offset + tensor.data.len() as u64;
        let entry = serde_json::json!({
            "dtype": tensor.dtype.safetensors_name(),
            "shape": tensor.shape,
            "data_offsets": [offset, end],
        });
        if header.insert(tensor.name.clone(), entry).is_some() || tensor.name == "__metadata__" {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("tensor name `{}` is not unique", tensor.name),
            ));
        }
        offset = end;
    }
    let mut text = serde_json::to_vec(&serde_json::Value::Object(header))?;
    while text.len() % 8 != 0 {
        text.push(b' ');
    }
    out.write_all(&(text.len() as u64).to_le_bytes())?;
    out.write_all(&text)?;
    for tensor in &order {
        out.write_all(&tensor.data)?;
    }
    Ok(8 + text.len() as u64 + offset)
}

#[cfg(test)]
mod tests {
    use super::super::{Dtype, Tensor};
    use super::*;

    fn tensor(name: &str, dtype: Dtype, data: Vec<u8>) -> Tensor {
        Tensor {
            name: name.into(),
            dtype,
            shape: vec![data.len() as u64 / dtype.size()],
            data,
        }
    }

    #[test]
    fn header_is_padded_and_ordered_by_alignment() {
        let mut converted = Converted::default();
        converted.tensors.push(tensor("b", Dtype::U8, vec![1, 2]));
        converted
            .tensors
            .push(tensor("a", Dtype::F32, vec![0, 0, 128, 63]));
        converted.metadata.insert("epoch".into(), "3".into());
        let mut out = Vec::new();
        let written = write_safetensors(&converted, &mut out).unwrap();
        assert_eq!(written, out.len() as u64);
        let n = u64::from_le_bytes(out[..8].try_into().unwrap()) as usize;
        assert_eq!(n % 8, 0);
        assert_eq!(&out[8 + n..], &[0, 0, 128, 63, 1, 2]);
        let header: serde_json::Value = serde_json::from_slice(&out[8..8 + n]).unwrap();
        assert_eq!(header["a"]["data_offsets"], serde_json::json!([0, 4]));
        assert_eq!(header["b"]["data_offsets"], serde_json::json!([4, 6]));
        assert_eq!(header["__metadata__"]["epoch"], "3");
        assert!(crate::formats::safetensors::validate_header(&out[8..8 + n], 6).is_empty());
    }

    #[test]
    fn duplicate_names_are_refused() {
        let mut converted = Converted::default();
        converted.tensors.push(tensor("a", Dtype::U8, vec![1]));
        converted.tensors.push(tensor("a", Dtype::U8, vec![2]));
        assert!(write_safetensors(&converted, &mut Vec::new()).is_err());
    }
}
