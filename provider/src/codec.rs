//! The schema-directed msgpack codec for `DynamicValue.msgpack`, and the JSON reader for raw
//! state. Terraform encodes values by type: unknown is msgpack extension 0, a `dynamic` slot
//! holds `[type JSON, value]`, and an object carries exactly one key per attribute.

use std::collections::BTreeMap;

use rmpv::Value as Mp;

use crate::value::{Number, Type, Value};

/// Where in a value a codec error happened, as a path Terraform users can read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{path}: {message}")]
pub struct CodecError {
    pub path: String,
    pub message: String,
}

fn err(path: &str, message: impl Into<String>) -> CodecError {
    CodecError {
        path: if path.is_empty() {
            "(root)".into()
        } else {
            path.to_string()
        },
        message: message.into(),
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The fixext1 `d4 00 00` Terraform itself writes for unknown.
fn unknown_ext() -> Mp {
    Mp::Ext(0, vec![0])
}

pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    if bytes.is_empty() {
        return Err(err("", "empty msgpack value"));
    }
    let mut rd = bytes;
    let mp = rmpv::decode::read_value(&mut rd)
        .map_err(|e| err("", format!("malformed msgpack: {e}")))?;
    if !rd.is_empty() {
        return Err(err(
            "",
            format!("{} trailing bytes after the msgpack value", rd.len()),
        ));
    }
    from_mp(&mp, ty, "")
}

pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mp = to_mp(v, ty, "")?;
    let mut out = Vec::with_capacity(256);
    rmpv::encode::write_value(&mut out, &mp).map_err(|e| err("", e.to_string()))?;
    Ok(out)
}

fn from_mp(mp: &Mp, ty: &Type, path: &str) -> Result<Value, CodecError> {
    // cty treats any extension as unknown.
    if let Mp::Ext(_, _) = mp {
        return Ok(Value::Unknown);
    }
    if let Mp::Nil = mp {
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => {
            let parts = match mp {
                Mp::Array(p) if p.len() == 2 => p,
                _ => return Err(err(path, "a dynamic value must be a [type, value] pair")),
            };
            let tbytes: &[u8] = match &parts[0] {
                Mp::Binary(b) => b,
                Mp::String(s) => s.as_bytes(),
                _ => return Err(err(path, "the type of a dynamic value must be JSON bytes")),
            };
            let inner_ty = Type::from_json_bytes(tbytes).map_err(|e| err(path, e.to_string()))?;
            let inner = from_mp(&parts[1], &inner_ty, path)?;
            Ok(Value::Typed(inner_ty, Box::new(inner)))
        }
        Type::String => match mp {
            Mp::String(s) => s
                .as_str()
                .map(|s| Value::String(s.to_string()))
                .ok_or_else(|| err(path, "string is not valid UTF-8")),
            _ => Err(err(path, format!("expected a string, got {}", kind(mp)))),
        },
        Type::Bool => match mp {
            Mp::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(err(path, format!("expected a bool, got {}", kind(mp)))),
        },
        Type::Number => match mp {
            Mp::Integer(i) => Ok(Value::Number(match (i.as_i64(), i.as_u64()) {
                (Some(v), _) => Number::Int(v),
                (None, Some(u)) => Number::Decimal(u.to_string()),
                _ => return Err(err(path, "integer out of range")),
            })),
            Mp::F32(f) => Ok(Value::Number(Number::Float(*f as f64))),
            Mp::F64(f) => Ok(Value::Number(Number::Float(*f))),
            Mp::String(s) => {
                let s = s
                    .as_str()
                    .ok_or_else(|| err(path, "number is not valid UTF-8"))?;
                s.parse::<f64>()
                    .map_err(|_| err(path, format!("{s:?} is not a number")))?;
                Ok(Value::Number(Number::Decimal(s.to_string())))
            }
            _ => Err(err(path, format!("expected a number, got {}", kind(mp)))),
        },
        Type::List(et) | Type::Set(et) => match mp {
            Mp::Array(items) => Ok(Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, m)| from_mp(m, et, &index(path, i)))
                    .collect::<Result<_, _>>()?,
            )),
            _ => Err(err(path, format!("expected an array, got {}", kind(mp)))),
        },
        Type::Tuple(ets) => match mp {
            Mp::Array(items) if items.len() == ets.len() => Ok(Value::List(
                items
                    .iter()
                    .zip(ets)
                    .enumerate()
                    .map(|(i, (m, t))| from_mp(m, t, &index(path, i)))
                    .collect::<Result<_, _>>()?,
            )),
            Mp::Array(items) => Err(err(
                path,
                format!(
                    "expected a tuple of {} elements, got {}",
                    ets.len(),
                    items.len()
                ),
            )),
            _ => Err(err(path, format!("expected an array, got {}", kind(mp)))),
        },
        Type::Map(et) => match mp {
            Mp::Map(pairs) => {
                let mut out = BTreeMap::new();
                for (k, v) in pairs {
                    let k = key_str(k, path)?;
                    let val = from_mp(v, et, &child(path, &k))?;
                    out.insert(k, val);
                }
                Ok(Value::Map(out))
            }
            _ => Err(err(path, format!("expected a map, got {}", kind(mp)))),
        },
        Type::Object(attrs) => match mp {
            Mp::Map(pairs) => {
                let mut out = BTreeMap::new();
                for (k, v) in pairs {
                    let k = key_str(k, path)?;
                    let at = attrs
                        .get(&k)
                        .ok_or_else(|| err(path, format!("unsupported attribute {k:?}")))?;
                    let val = from_mp(v, at, &child(path, &k))?;
                    out.insert(k, val);
                }
                // Absent attributes are null: tolerant on input, strict on output.
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Map(out))
            }
            _ => Err(err(path, format!("expected an object, got {}", kind(mp)))),
        },
    }
}

fn key_str(k: &Mp, path: &str) -> Result<String, CodecError> {
    match k {
        Mp::String(s) => s
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| err(path, "map key is not valid UTF-8")),
        _ => Err(err(
            path,
            format!("map key must be a string, got {}", kind(k)),
        )),
    }
}

fn kind(mp: &Mp) -> &'static str {
    match mp {
        Mp::Nil => "nil",
        Mp::Boolean(_) => "a bool",
        Mp::Integer(_) | Mp::F32(_) | Mp::F64(_) => "a number",
        Mp::String(_) => "a string",
        Mp::Binary(_) => "binary",
        Mp::Array(_) => "an array",
        Mp::Map(_) => "a map",
        Mp::Ext(_, _) => "an extension",
    }
}

fn to_mp(v: &Value, ty: &Type, path: &str) -> Result<Mp, CodecError> {
    match (v, ty) {
        (Value::Unknown, _) => return Ok(unknown_ext()),
        (Value::Null, _) => return Ok(Mp::Nil),
        (Value::Typed(inner_ty, inner), Type::Dynamic) => {
            if inner.is_null() && matches!(**inner, Value::Null) && *inner_ty == Type::Dynamic {
                return Ok(Mp::Nil);
            }
            return Ok(Mp::Array(vec![
                Mp::Binary(inner_ty.to_json_bytes()),
                to_mp(inner, inner_ty, path)?,
            ]));
        }
        (Value::Typed(_, inner), _) => return to_mp(inner, ty, path),
        (_, Type::Dynamic) => {
            let t = v.infer_type();
            return Ok(Mp::Array(vec![
                Mp::Binary(t.to_json_bytes()),
                to_mp(v, &t, path)?,
            ]));
        }
        _ => {}
    }
    match (v, ty) {
        (Value::String(s), Type::String) => Ok(Mp::String(s.as_str().into())),
        (Value::Bool(b), Type::Bool) => Ok(Mp::Boolean(*b)),
        (Value::Number(n), Type::Number) => Ok(match n {
            Number::Int(i) => Mp::from(*i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Mp::from(*f as i64),
            Number::Float(f) => Mp::F64(*f),
            Number::Decimal(s) => match s.parse::<i64>() {
                Ok(i) => Mp::from(i),
                Err(_) => match s.parse::<u64>() {
                    Ok(u) => Mp::from(u),
                    Err(_) => Mp::String(s.as_str().into()),
                },
            },
        }),
        (Value::List(items), Type::List(et) | Type::Set(et)) => Ok(Mp::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| to_mp(x, et, &index(path, i)))
                .collect::<Result<_, _>>()?,
        )),
        (Value::List(items), Type::Tuple(ets)) => {
            if items.len() != ets.len() {
                return Err(err(
                    path,
                    format!(
                        "tuple needs {} elements, value has {}",
                        ets.len(),
                        items.len()
                    ),
                ));
            }
            Ok(Mp::Array(
                items
                    .iter()
                    .zip(ets)
                    .enumerate()
                    .map(|(i, (x, t))| to_mp(x, t, &index(path, i)))
                    .collect::<Result<_, _>>()?,
            ))
        }
        (Value::Map(m), Type::Map(et)) => Ok(Mp::Map(
            m.iter()
                .map(|(k, x)| {
                    Ok((
                        Mp::String(k.as_str().into()),
                        to_mp(x, et, &child(path, k))?,
                    ))
                })
                .collect::<Result<_, CodecError>>()?,
        )),
        (Value::Map(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(err(
                    path,
                    format!("value has attribute {extra:?}, which the type lacks"),
                ));
            }
            // Every attribute present, nulls included: cty rejects a short object.
            Ok(Mp::Map(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let x = m.get(k).unwrap_or(&Value::Null);
                        Ok((Mp::String(k.as_str().into()), to_mp(x, t, &child(path, k))?))
                    })
                    .collect::<Result<_, CodecError>>()?,
            ))
        }
        (v, t) => Err(err(
            path,
            format!("value {} does not fit type {t}", v.to_json()),
        )),
    }
}

/// Reads a value from the JSON Terraform stores in state (`RawState.json`), where a `dynamic`
/// attribute is `{"value": ..., "type": ...}`.
pub fn decode_state_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let j: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| err("", format!("malformed state JSON: {e}")))?;
    from_state_json(&j, ty, "")
}

fn from_state_json(j: &serde_json::Value, ty: &Type, path: &str) -> Result<Value, CodecError> {
    use serde_json::Value as J;
    if j.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => {
            let o = j.as_object().ok_or_else(|| {
                err(
                    path,
                    "a dynamic value in state must be {\"value\", \"type\"}",
                )
            })?;
            let t = o
                .get("type")
                .ok_or_else(|| err(path, "dynamic value without \"type\""))?;
            let t = Type::from_json(t).map_err(|e| err(path, e.to_string()))?;
            let inner = from_state_json(o.get("value").unwrap_or(&J::Null), &t, path)?;
            Ok(Value::Typed(t, Box::new(inner)))
        }
        Type::String => match j {
            J::String(s) => Ok(Value::String(s.clone())),
            // cty's JSON decoder converts primitives to string where the type asks for it.
            J::Number(n) => Ok(Value::String(n.to_string())),
            J::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(err(path, "expected a string")),
        },
        Type::Bool => match j {
            J::Bool(b) => Ok(Value::Bool(*b)),
            J::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(err(path, "expected a bool")),
        },
        Type::Number => match j {
            J::Number(_) => Ok(Value::from_json(j)),
            J::String(s) if s.parse::<f64>().is_ok() => {
                Ok(Value::Number(Number::Decimal(s.clone())))
            }
            _ => Err(err(path, "expected a number")),
        },
        Type::List(et) | Type::Set(et) => match j {
            J::Array(a) => Ok(Value::List(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| from_state_json(x, et, &index(path, i)))
                    .collect::<Result<_, _>>()?,
            )),
            _ => Err(err(path, "expected an array")),
        },
        Type::Tuple(ets) => match j {
            J::Array(a) if a.len() == ets.len() => Ok(Value::List(
                a.iter()
                    .zip(ets)
                    .enumerate()
                    .map(|(i, (x, t))| from_state_json(x, t, &index(path, i)))
                    .collect::<Result<_, _>>()?,
            )),
            _ => Err(err(path, "expected a tuple")),
        },
        Type::Map(et) => match j {
            J::Object(o) => Ok(Value::Map(
                o.iter()
                    .map(|(k, x)| Ok((k.clone(), from_state_json(x, et, &child(path, k))?)))
                    .collect::<Result<_, CodecError>>()?,
            )),
            _ => Err(err(path, "expected an object")),
        },
        Type::Object(attrs) => match j {
            J::Object(o) => {
                let mut out = BTreeMap::new();
                for (k, t) in attrs {
                    let x = o.get(k).unwrap_or(&J::Null);
                    out.insert(k.clone(), from_state_json(x, t, &child(path, k))?);
                }
                // Attributes that left the schema are dropped, as core does when versions match.
                Ok(Value::Map(out))
            }
            _ => Err(err(path, "expected an object")),
        },
    }
}
