//! The two elliptic-curve signers: the private key derived from AK and SK as the SDK's
//! `P256SHA256Signer._derive_key` does, its public key, and the DER `(r, s)` checked.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sm3::{Digest, Sm3};

use super::super::fleet::AccessKey;
use super::Algorithm;

/// P-256's order minus two, big-endian.
const P256_N_MINUS_2: [u8; 32] =
    hex_literal(b"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f");
/// SM2's order minus two, big-endian.
const SM2_N_MINUS_2: [u8; 32] =
    hex_literal(b"fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54121");
/// SM2's a, b, Gx, Gy, as ZA hashes them (GB/T 32918).
const SM2_CURVE: [u8; 128] = {
    let a = hex_literal(b"fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc");
    let b = hex_literal(b"28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93");
    let gx = hex_literal(b"32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7");
    let gy = hex_literal(b"bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0");
    let mut out = [0u8; 128];
    let mut i = 0;
    while i < 32 {
        out[i] = a[i];
        out[32 + i] = b[i];
        out[64 + i] = gx[i];
        out[96 + i] = gy[i];
        i += 1;
    }
    out
};
/// The SM2 user id the SDK signs with (`SM2SigningKey._za`'s default).
const SM2_UID: &[u8] = b"1234567812345678";

const fn hex_literal(h: &[u8; 64]) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lower-case hex digit"),
        }
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]);
        i += 1;
    }
    out
}

fn hmac_sha256(sk: &[u8], data: &[u8]) -> Option<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(sk).ok()?;
    mac.update(data);
    Some(mac.finalize().into_bytes().into())
}

fn hmac_sm3(sk: &[u8], data: &[u8]) -> Option<[u8; 32]> {
    let mut mac = <Hmac<Sm3> as Mac>::new_from_slice(sk).ok()?;
    mac.update(data);
    Some(mac.finalize().into_bytes().into())
}

/// `_derive_key`: the first HMAC(SK, 1 ‖ algorithm ‖ 0 ‖ AK ‖ counter ‖ 256) that is at
/// most n − 2, plus one.
pub(super) fn derive(alg: Algorithm, ak: &str, sk: &str) -> Option<[u8; 32]> {
    let limit = if alg == Algorithm::Sm2Sm3 {
        SM2_N_MINUS_2
    } else {
        P256_N_MINUS_2
    };
    for counter in 0..0xffu8 {
        let mut data = Vec::with_capacity(64 + ak.len());
        data.extend_from_slice(&[0, 0, 0, 1]);
        data.extend_from_slice(alg.name().as_bytes());
        data.push(0);
        data.extend_from_slice(ak.as_bytes());
        data.push(counter);
        data.extend_from_slice(&[0, 0, 1, 0]);
        let candidate = if alg == Algorithm::Sm2Sm3 {
            hmac_sm3(sk.as_bytes(), &data)?
        } else {
            hmac_sha256(sk.as_bytes(), &data)?
        };
        if candidate <= limit {
            let mut d = candidate;
            for byte in d.iter_mut().rev() {
                let (v, carry) = byte.overflowing_add(1);
                *byte = v;
                if !carry {
                    break;
                }
            }
            return Some(d);
        }
    }
    None
}

/// An SDK-ECDSA-P256-SHA256 signature: ECDSA over SHA-256 of the string to sign.
pub(super) fn p256_holds(key: &AccessKey, to_sign: &[u8], der: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    let Some(d) = derive(Algorithm::EcdsaP256Sha256, &key.ak, &key.sk) else {
        return false;
    };
    let (Ok(secret), Ok(sig)) = (
        p256::SecretKey::from_slice(&d),
        p256::ecdsa::Signature::from_der(der),
    ) else {
        return false;
    };
    let public = p256::ecdsa::VerifyingKey::from(secret.public_key());
    public.verify(to_sign, &sig).is_ok()
}

/// The SM2 ZA the SDK hashes: as `_za` writes it, each coordinate of the public key in
/// as few bytes as its value needs (Python's `_int_to_bytes`).
pub(super) fn sm2_za(public: &sm2::PublicKey) -> [u8; 32] {
    use sm2::elliptic_curve::sec1::ToEncodedPoint;
    let point = public.to_encoded_point(false);
    let trim = |c: Option<&sm2::FieldBytes>| -> Vec<u8> {
        let c = c.map(|c| c.to_vec()).unwrap_or_default();
        let start = c.iter().position(|b| *b != 0).unwrap_or(c.len());
        c[start..].to_vec()
    };
    let mut h = Sm3::new();
    h.update(((SM2_UID.len() * 8) as u16).to_be_bytes());
    h.update(SM2_UID);
    h.update(SM2_CURVE);
    h.update(trim(point.x()));
    h.update(trim(point.y()));
    h.finalize().into()
}

/// An SDK-SM2-SM3 signature: SM2 over SM3(ZA ‖ string to sign).
pub(super) fn sm2_holds(key: &AccessKey, to_sign: &[u8], der: &[u8]) -> bool {
    use sm2::dsa::signature::hazmat::PrehashVerifier;
    let Some(d) = derive(Algorithm::Sm2Sm3, &key.ak, &key.sk) else {
        return false;
    };
    // The DER `(r, s)` through the ecdsa crate's parser, as SM2's signature is the same
    // pair of integers.
    let sig = ::ecdsa::Signature::<sm2::Sm2>::from_der(der)
        .ok()
        .and_then(|s| sm2::dsa::Signature::from_slice(&s.to_bytes()).ok());
    let (Ok(secret), Some(sig)) = (sm2::SecretKey::from_slice(&d), sig) else {
        return false;
    };
    let public = secret.public_key();
    let e: [u8; 32] = Sm3::new()
        .chain_update(sm2_za(&public))
        .chain_update(to_sign)
        .finalize()
        .into();
    let Ok(verifier) = sm2::dsa::VerifyingKey::new("1234567812345678", public) else {
        return false;
    };
    verifier.verify_prehash(&e, &sig).is_ok()
}
