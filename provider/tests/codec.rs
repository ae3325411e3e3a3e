//! The msgpack codec against the wire facts: exact bytes where Terraform fixes them, round trips
//! of every type with null and unknown at every level, and property tests.

use std::collections::BTreeMap;

use edulibra_provider::codec::{decode, decode_state_json, encode};
use edulibra_provider::value::{Number, Type, Value};
use proptest::prelude::*;

fn rt(v: &Value, t: &Type) -> Value {
    let bytes = encode(v, t).unwrap_or_else(|e| panic!("encode {v:?} as {t}: {e}"));
    decode(&bytes, t).unwrap_or_else(|e| panic!("decode {v:?} as {t}: {e}"))
}

#[test]
fn unknown_null_and_dynamic_have_terraforms_bytes() {
    assert_eq!(
        encode(&Value::Unknown, &Type::String).unwrap(),
        vec![0xd4, 0x00, 0x00]
    );
    assert_eq!(
        encode(&Value::Null, &Type::list(Type::Number)).unwrap(),
        vec![0xc0]
    );
    // Any extension is unknown, as cty 1.9 reads it (tf-provider writes c7 00 00).
    assert_eq!(
        decode(&[0xc7, 0x00, 0x00], &Type::Number).unwrap(),
        Value::Unknown
    );
    assert_eq!(
        decode(&[0xd4, 0x00, 0x00], &Type::Dynamic).unwrap(),
        Value::Unknown
    );
    // dynamic: [type JSON as bin, value]
    let v = Value::Typed(
        Type::list(Type::Number),
        Box::new(Value::List(vec![Value::int(1), Value::int(2)])),
    );
    let bytes = encode(&v, &Type::Dynamic).unwrap();
    assert_eq!(bytes[0], 0x92, "a 2-array");
    assert_eq!(bytes[1], 0xc4, "bin 8 with the type JSON");
    let tlen = bytes[2] as usize;
    assert_eq!(&bytes[3..3 + tlen], br#"["list","number"]"#);
    assert_eq!(&bytes[3 + tlen..], &[0x92, 0x01, 0x02]);
    assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), v);
}

#[test]
fn objects_carry_every_attribute() {
    let t = Type::object([("a", Type::String), ("b", Type::Number), ("c", Type::Bool)]);
    let v = Value::object([("a", Value::from("x"))]);
    let bytes = encode(&v, &t).unwrap();
    assert_eq!(bytes[0], 0x83, "a map of exactly three keys");
    let back = decode(&bytes, &t).unwrap();
    assert_eq!(back.get("b"), &Value::Null);
    // An attribute the type lacks is an error with its path, on input and output.
    let extra = Value::object([("a", Value::from("x")), ("zzz", Value::from("y"))]);
    let e = encode(&extra, &t).unwrap_err();
    assert!(e.message.contains("zzz"), "{e}");
    let nested = Type::object([("outer", Type::object([("inner", Type::Number)]))]);
    let bad = Value::object([("outer", Value::object([("inner", Value::from("nope"))]))]);
    assert_eq!(encode(&bad, &nested).unwrap_err().path, "outer.inner");
}

#[test]
fn numbers_as_int_uint_float_and_decimal_string() {
    for (bytes, expect) in [
        (vec![0x05], Value::int(5)),
        (vec![0xd0, 0x85], Value::int(-123)),
        (
            vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            Value::Number(Number::Decimal("18446744073709551615".into())),
        ),
        (
            vec![0xcb, 0x40, 0x09, 0x21, 0xf9, 0xf0, 0x1b, 0x86, 0x6e],
            Value::Number(Number::Float(3.14159)),
        ),
    ] {
        let v = decode(&bytes, &Type::Number).unwrap();
        assert_eq!(v, expect);
        assert_eq!(rt(&v, &Type::Number), expect);
    }
    let big = "123456789012345678901234567890.5";
    let mut b = vec![0xd9, big.len() as u8];
    b.extend_from_slice(big.as_bytes());
    let v = decode(&b, &Type::Number).unwrap();
    assert_eq!(v, Value::Number(Number::Decimal(big.into())));
    assert_eq!(
        encode(&v, &Type::Number).unwrap(),
        b,
        "precise numbers go back as the same string"
    );
    assert!(decode(&[0xa3, b'a', b'b', b'c'], &Type::Number).is_err());
}

#[test]
fn every_type_round_trips_with_null_and_unknown_nested_at_every_level() {
    let leaf_types = [Type::String, Type::Number, Type::Bool];
    let leaves = [Value::from("s"), Value::int(7), Value::Bool(true)];
    for (lt, lv) in leaf_types.iter().zip(&leaves) {
        for t in [
            Type::list(lt.clone()),
            Type::set(lt.clone()),
            Type::map(lt.clone()),
            Type::Tuple(vec![lt.clone(), Type::String]),
        ] {
            let specials = [Value::Null, Value::Unknown, lv.clone()];
            for s in &specials {
                let v = match &t {
                    Type::Map(_) => Value::object([("k", s.clone()), ("j", lv.clone())]),
                    Type::Tuple(_) => Value::List(vec![s.clone(), Value::from("x")]),
                    _ => Value::List(vec![s.clone(), lv.clone()]),
                };
                assert_eq!(rt(&v, &t), v, "{t}");
                // and the collection itself null or unknown
                assert_eq!(rt(&Value::Null, &t), Value::Null);
                assert_eq!(rt(&Value::Unknown, &t), Value::Unknown);
                // nested inside an object inside a list
                let outer = Type::list(Type::object([("inner", t.clone()), ("n", Type::Number)]));
                let ov = Value::List(vec![
                    Value::object([("inner", v.clone()), ("n", Value::Unknown)]),
                    Value::object([("inner", Value::Null), ("n", Value::int(1))]),
                ]);
                assert_eq!(rt(&ov, &outer), ov, "{outer}");
            }
        }
    }
}

#[test]
fn raw_state_json_with_dynamic_values() {
    let t = Type::object([
        ("name", Type::String),
        ("topology", Type::Dynamic),
        ("n", Type::Number),
    ]);
    let json = br#"{"name":"x","n":3,"topology":{"value":[{"a":1}],"type":["tuple",[["object",{"a":"number"}]]]},"gone":"dropped"}"#;
    let v = decode_state_json(json, &t).unwrap();
    let back = rt(&v, &t);
    assert_eq!(back, v);
    match back.get("topology") {
        Value::Typed(ty, inner) => {
            assert_eq!(
                ty.to_json(),
                serde_json::json!(["tuple", [["object", {"a": "number"}]]])
            );
            assert_eq!(inner.as_list().unwrap()[0].get("a"), &Value::int(1));
        }
        other => panic!("{other:?}"),
    }
    assert!(decode_state_json(br#"{"name": 5"#, &t).is_err());
}

fn leaf_type() -> impl Strategy<Value = Type> {
    prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)]
}

fn any_type() -> impl Strategy<Value = Type> {
    leaf_type().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Type::Tuple),
            prop::collection::btree_map("[a-z]{1,6}", inner.clone(), 0..4).prop_map(Type::Object),
            inner.prop_map(|t| Type::object([("dyn", Type::Dynamic), ("t", t)])),
        ]
    })
}

/// A value of type `t`, with nulls and unknowns anywhere; dynamic slots hold typed values.
fn value_of(t: &Type) -> BoxedStrategy<Value> {
    let special = prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown)];
    let known: BoxedStrategy<Value> = match t {
        Type::String => "[ -~]{0,12}".prop_map(Value::String).boxed(),
        Type::Number => prop_oneof![
            any::<i64>().prop_map(Value::int),
            (-1.0e12f64..1.0e12)
                .prop_filter("fractional", |f| f.fract() != 0.0)
                .prop_map(|f| Value::Number(Number::Float(f))),
            "[1-9][0-9]{20,30}\\.[0-9]{1,5}".prop_map(|s| Value::Number(Number::Decimal(s))),
        ]
        .boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Dynamic => {
            let inner = Type::object([("x", Type::Number)]);
            value_of(&inner)
                .prop_map(move |v| Value::Typed(Type::object([("x", Type::Number)]), Box::new(v)))
                .boxed()
        }
        Type::List(e) | Type::Set(e) => prop::collection::vec(value_of(e), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Map(e) => prop::collection::btree_map("[a-z]{1,5}", value_of(e), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(es) => {
            let parts: Vec<BoxedStrategy<Value>> = es.iter().map(value_of).collect();
            parts.prop_map(Value::List).boxed()
        }
        Type::Object(attrs) => {
            let parts: Vec<(String, BoxedStrategy<Value>)> = attrs
                .iter()
                .map(|(k, t)| (k.clone(), value_of(t)))
                .collect();
            let keys: Vec<String> = parts.iter().map(|(k, _)| k.clone()).collect();
            let strategies: Vec<BoxedStrategy<Value>> = parts.into_iter().map(|(_, s)| s).collect();
            strategies
                .prop_map(move |vals| {
                    Value::Map(keys.iter().cloned().zip(vals).collect::<BTreeMap<_, _>>())
                })
                .boxed()
        }
    };
    prop_oneof![1 => special, 4 => known].boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn decode_of_encode_is_identity(pair in any_type().prop_flat_map(|t| { let s = value_of(&t); (Just(t), s) })) {
        let (t, v) = pair;
        let bytes = encode(&v, &t).unwrap();
        let back = decode(&bytes, &t).unwrap();
        prop_assert_eq!(&back, &v);
        prop_assert_eq!(encode(&back, &t).unwrap(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), t in any_type()) {
        let _ = decode(&bytes, &t);
    }
}
