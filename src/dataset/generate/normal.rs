//! The normal distribution, as the generator draws and ranks by it: a
//! standard normal draw from the Python stream, and `erf` for percentiles.

use super::mt19937::Rng;

/// Standard normal (Box-Muller from `random()` only).
pub fn gauss(rng: &mut Rng) -> f64 {
    let mut u1 = rng.random();
    if u1 == 0.0 {
        u1 = 1e-12;
    }
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * rng.random()).cos()
}

/// The standard normal distribution function Φ(z): the share of draws below `z`.
pub fn percentile(z: f64) -> f64 {
    0.5 * (1.0 + erf(z / 2f64.sqrt()))
}

/// The error function, for the contract size percentile (std has none). This
/// is fdlibm's s_erf.c, restricted to finite input. CPython's `math.erf` is the
/// platform libm's, which differs from it by at most 1 ulp (checked against
/// glibc 2.36); that only feeds `floor(14 u^a + r)`, so it cannot realistically
/// change a draw.
///
/// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
/// Developed at SunPro, a Sun Microsystems, Inc. business.
/// Permission to use, copy, modify, and distribute this
/// software is freely granted, provided that this notice
/// is preserved.
fn erf(x: f64) -> f64 {
    use fdlibm::*;
    // Horner, written out as in the C source so rounding is identical
    let ix = ((x.to_bits() >> 32) as u32) & 0x7fff_ffff;
    if ix < 0x3feb_0000 {
        // |x| < 0.84375
        if ix < 0x3e30_0000 {
            return 0.125 * (8.0 * x + EFX8 * x);
        }
        let z = x * x;
        let r = PP[0] + z * (PP[1] + z * (PP[2] + z * (PP[3] + z * PP[4])));
        let s = 1.0 + z * (QQ[0] + z * (QQ[1] + z * (QQ[2] + z * (QQ[3] + z * QQ[4]))));
        return x + x * (r / s);
    }
    let y = if ix < 0x3ff4_0000 {
        // 0.84375 <= |x| < 1.25
        let s = x.abs() - 1.0;
        let p = PA[0] + s * (PA[1] + s * (PA[2] + s * (PA[3] + s * (PA[4] + s * (PA[5] + s * PA[6])))));
        let q = 1.0 + s * (QA[0] + s * (QA[1] + s * (QA[2] + s * (QA[3] + s * (QA[4] + s * QA[5])))));
        ERX + p / q
    } else if ix < 0x4018_0000 {
        // 1.25 <= |x| < 6: 1 - erfc(|x|)
        1.0 - erfc_tail(x.abs(), ix)
    } else {
        1.0 - f64::from_bits(0x0010_0000_0000_0000)
    };
    if x.is_sign_negative() { -y } else { y }
}

/// erfc(ax) for 1.25 <= ax < 6, `ix` the high word of its bits.
fn erfc_tail(ax: f64, ix: u32) -> f64 {
    use fdlibm::*;
    let s = 1.0 / (ax * ax);
    let (r, big_s) = if ix < 0x4006_db6e {
        // |x| < 1/0.35
        (
            RA[0] + s * (RA[1] + s * (RA[2] + s * (RA[3] + s * (RA[4] + s * (RA[5] + s * (RA[6] + s * RA[7])))))),
            1.0 + s * (SA[0] + s * (SA[1] + s * (SA[2] + s * (SA[3] + s * (SA[4] + s * (SA[5] + s * (SA[6] + s * SA[7]))))))),
        )
    } else {
        (
            RB[0] + s * (RB[1] + s * (RB[2] + s * (RB[3] + s * (RB[4] + s * (RB[5] + s * RB[6]))))),
            1.0 + s * (SB[0] + s * (SB[1] + s * (SB[2] + s * (SB[3] + s * (SB[4] + s * (SB[5] + s * SB[6])))))),
        )
    };
    let z = f64::from_bits(ax.to_bits() & 0xffff_ffff_0000_0000); // low word cleared
    let r = (-z * z - 0.5625).exp() * ((z - ax) * (z + ax) + r / big_s).exp();
    r / ax
}

/// s_erf.c's coefficients, digits as in the C source (its notice is on `erf`).
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
mod fdlibm {
    pub const ERX: f64 = 8.45062911510467529297e-01;
    pub const EFX8: f64 = 1.02703333676410069053e+00;
    pub const PP: [f64; 5] =
        [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02, -5.77027029648944159157e-03, -2.37630166566501626084e-05];
    pub const QQ: [f64; 5] =
        [3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06];
    pub const PA: [f64; 7] = [
        -2.36211856075265944077e-03,
        4.14856118683748331666e-01,
        -3.72207876035701323847e-01,
        3.18346619901161753674e-01,
        -1.10894694282396677476e-01,
        3.54783043256182359371e-02,
        -2.16637559486879084300e-03,
    ];
    pub const QA: [f64; 6] = [
        1.06420880400844228286e-01,
        5.40397917702171048937e-01,
        7.18286544141962662868e-02,
        1.26171219808761642112e-01,
        1.36370839120290507362e-02,
        1.19844998467991074170e-02,
    ];
    pub const RA: [f64; 8] = [
        -9.86494403484714822705e-03,
        -6.93858572707181764372e-01,
        -1.05586262253232909814e+01,
        -6.23753324503260060396e+01,
        -1.62396669462573470355e+02,
        -1.84605092906711035994e+02,
        -8.12874355063065934246e+01,
        -9.81432934416914548592e+00,
    ];
    pub const SA: [f64; 8] = [
        1.96512716674392571292e+01,
        1.37657754143519042600e+02,
        4.34565877475229228821e+02,
        6.45387271733267880336e+02,
        4.29008140027567833386e+02,
        1.08635005541779435134e+02,
        6.57024977031928170135e+00,
        -6.04244152148580987438e-02,
    ];
    pub const RB: [f64; 7] = [
        -9.86494292470009928597e-03,
        -7.99283237680523006574e-01,
        -1.77579549177547519889e+01,
        -1.60636384855821916062e+02,
        -6.37566443368389627722e+02,
        -1.02509513161107724954e+03,
        -4.83519191608651397019e+02,
    ];
    pub const SB: [f64; 7] = [
        3.03380607434824582924e+01,
        3.25792512996573918826e+02,
        1.53672958608443695994e+03,
        3.19985821950859553908e+03,
        2.55305040643316442583e+03,
        4.74528541206955367215e+02,
        -2.24409524465858183362e+01,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_values() {
        // CPython math.erf
        assert_eq!(erf(0.5), 0.5204998778130465);
        assert_eq!(erf(-1.0), -0.8427007929497149);
        assert_eq!(erf(2.0), 0.9953222650189527);
        // one value in each branch: tiny, |x| < 0.84375, < 1.25, < 1/0.35, < 6, beyond
        assert_eq!(erf(1e-10), 1.1283791670955126e-10);
        assert_eq!(erf(1.0), 0.8427007929497149);
        assert_eq!(erf(3.0), 0.9999779095030014);
        assert_eq!(erf(5.5), 0.9999999999999927);
        assert_eq!(erf(-4.0), -0.9999999845827421);
        assert_eq!(erf(0.0), 0.0);
        assert_eq!(erf(7.0), 1.0);
    }

    #[test]
    fn percentiles() {
        assert_eq!(percentile(0.0), 0.5);
        assert!((percentile(1.0) - 0.8413447460685429).abs() < 1e-15);
        assert!((percentile(-1.0) + percentile(1.0) - 1.0).abs() < 1e-15);
    }
}
