//! numpy `.npy` and `.npz` to safetensors tensors.
//!
//! The header is parsed by [`crate::formats::numpy`] (never evaluated). Plain numeric
//! and bool dtypes convert; big-endian data is byte-swapped to little-endian and
//! Fortran-order data is rewritten in C order. An `.npz` member `name.npy` becomes the
//! tensor `name`.
//!
//! Must never read an object array's pickle body: object, structured, string, complex
//! and datetime dtypes are refused before any data is read.

use super::torch::member_bytes;
use super::{Budget, ConvertError, Converted, Dtype, Tensor, contiguous};
use crate::formats::numpy::read_header;
use crate::formats::zip::Entry;
use crate::limits::Limits;
use crate::source::{Cursor, ReadAt};

/// The metadata `format` of a converted numpy file.
const NUMPY_FORMAT: &str = "np";

/// A numpy dtype string (`<f4`, `|b1`, `>i8`) as a safetensors dtype and whether its
/// bytes need swapping.
///
/// # Errors
/// Dtypes safetensors cannot hold, named.
pub fn dtype_of(descr: &str) -> Result<(Dtype, bool), ConvertError> {
    let (big_endian, code) = match descr.as_bytes().first() {
        Some(b'>') => (true, descr.get(1..).unwrap_or_default()),
        Some(b'<' | b'|' | b'=') => (false, descr.get(1..).unwrap_or_default()),
        _ => (false, descr),
    };
    let dtype = match code {
        "f8" => Dtype::F64,
        "f4" => Dtype::F32,
        "f2" => Dtype::F16,
        "i8" => Dtype::I64,
        "i4" => Dtype::I32,
        "i2" => Dtype::I16,
        "i1" => Dtype::I8,
        "u8" => Dtype::U64,
        "u4" => Dtype::U32,
        "u2" => Dtype::U16,
        "u1" => Dtype::U8,
        "b1" => Dtype::Bool,
        other => {
            let what = match other.chars().next() {
                Some('O') => "object arrays are pickles",
                Some('c') => "complex dtypes have no safetensors form",
                Some('U' | 'S' | 'a') => "string dtypes have no safetensors form",
                Some('M' | 'm') => "datetime dtypes have no safetensors form",
                _ => "this dtype has no safetensors form",
            };
            return Err(ConvertError::Unsupported(format!(
                "numpy dtype `{descr}`: {what}"
            )));
        }
    };
    Ok((dtype, big_endian && dtype.size() > 1))
}

/// One `.npy` array (a whole source) as a tensor named `name`.
///
/// # Errors
/// A malformed header, an unsupported dtype, or a body whose size differs from the header.
pub fn npy_tensor(
    data: &dyn ReadAt,
    name: &str,
    limits: &Limits,
    budget: &Budget,
) -> Result<Tensor, ConvertError> {
    let (header, data_start) = read_header(&mut Cursor::new(data, 0), limits.max_config_bytes)
        .map_err(|f| ConvertError::Malformed(format!("`{name}`: {}", f.message)))?;
    if header.has_object() {
        return Err(ConvertError::Unsupported(format!(
            "`{name}` is an object array (its body is a pickle)"
        )));
    }
    let [descr] = header.dtypes.as_slice() else {
        return Err(ConvertError::Unsupported(format!(
            "`{name}` has a structured dtype"
        )));
    };
    if header.structured {
        return Err(ConvertError::Unsupported(format!(
            "`{name}` has a structured dtype"
        )));
    }
    let (dtype, swap) = dtype_of(descr)?;
    let itemsize = dtype.size();
    let expected = header
        .shape
        .iter()
        .try_fold(itemsize, |acc, d| acc.checked_mul(*d))
        .ok_or_else(|| ConvertError::Malformed(format!("`{name}`: shape overflows")))?;
    let held = data.size().saturating_sub(data_start);
    if held != expected {
        return Err(ConvertError::Malformed(format!(
            "`{name}`: the header promises {expected} data bytes, the file holds {held}"
        )));
    }
    let mut raw = vec![0u8; usize::try_from(expected).unwrap_or(0)];
    data.read_exact_at(data_start, &mut raw)
        .map_err(|e| ConvertError::Malformed(format!("`{name}`: {e}")))?;
    if swap {
        let width = usize::try_from(itemsize).unwrap_or(1);
        for element in raw.chunks_exact_mut(width) {
            element.reverse();
        }
    }
    let data = if header.fortran_order && header.shape.len() > 1 {
        // Fortran order: the first index varies fastest.
        let mut strides = Vec::with_capacity(header.shape.len());
        let mut step = 1u64;
        for dim in &header.shape {
            strides.push(step);
            step = step.saturating_mul(*dim);
        }
        contiguous(&raw, itemsize, 0, &header.shape, &strides, budget)?
    } else {
        budget.spend(expected)?;
        raw
    };
    Ok(Tensor {
        name: name.to_owned(),
        dtype,
        shape: header.shape,
        data,
    })
}

/// Convert one `.npy` file; the tensor is named `array`.
///
/// # Errors
/// See [`npy_tensor`].
pub fn convert_npy(
    data: &dyn ReadAt,
    limits: &Limits,
    budget: &Budget,
) -> Result<Converted, ConvertError> {
    let tensor = npy_tensor(data, "array", limits, budget)?;
    let mut converted = Converted {
        tensors: vec![tensor],
        ..Converted::default()
    };
    converted
        .metadata
        .insert("format".to_owned(), NUMPY_FORMAT.to_owned());
    Ok(converted)
}

/// Convert an `.npz`: every listed `name.npy` member becomes tensor `name`.
///
/// # Errors
/// The first member that does not convert, named.
pub fn convert_npz(
    data: &dyn ReadAt,
    members: &[&Entry],
    limits: &Limits,
    budget: &Budget,
) -> Result<Converted, ConvertError> {
    let mut converted = Converted::default();
    for entry in members {
        let name = entry.name.strip_suffix(".npy").unwrap_or(&entry.name);
        let bytes = member_bytes(data, entry, limits.max_member_bytes, limits)?;
        converted
            .tensors
            .push(npy_tensor(&bytes, name, limits, budget)?);
    }
    converted
        .metadata
        .insert("format".to_owned(), NUMPY_FORMAT.to_owned());
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, fortran: bool, shape: &str, body: &[u8]) -> Vec<u8> {
        let dict = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        let mut header = dict.into_bytes();
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(body);
        out
    }

    fn budget() -> Budget {
        Budget::for_input(1 << 20, &Limits::default())
    }

    #[test]
    fn fortran_big_endian_becomes_c_little_endian() {
        // 2x3 int16 in Fortran order, big-endian: columns (0,3), (1,4), (2,5).
        let mut body = Vec::new();
        for v in [0i16, 3, 1, 4, 2, 5] {
            body.extend_from_slice(&v.to_be_bytes());
        }
        let file = npy(">i2", true, "(2, 3)", &body);
        let tensor = npy_tensor(&file, "a", &Limits::default(), &budget()).unwrap();
        let expected: Vec<u8> = (0i16..6).flat_map(i16::to_le_bytes).collect();
        assert_eq!(tensor.data, expected);
        assert_eq!(tensor.shape, vec![2, 3]);
        assert_eq!(tensor.dtype, Dtype::I16);
    }

    #[test]
    fn object_complex_and_short_arrays_are_refused() {
        let limits = Limits::default();
        assert!(
            npy_tensor(
                &npy("|O", false, "(1,)", b"\x80\x02N."),
                "o",
                &limits,
                &budget()
            )
            .is_err()
        );
        assert!(npy_tensor(&npy("<c8", false, "(1,)", &[0; 8]), "c", &limits, &budget()).is_err());
        assert!(npy_tensor(&npy("<f4", false, "(2,)", &[0; 4]), "s", &limits, &budget()).is_err());
        let structured = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }";
        let mut file = b"\x93NUMPY\x01\x00".to_vec();
        file.extend_from_slice(&(structured.len() as u16).to_le_bytes());
        file.extend_from_slice(structured.as_bytes());
        file.extend_from_slice(&[0; 4]);
        assert!(npy_tensor(&file, "st", &limits, &budget()).is_err());
    }
}
