//! Probability distributions of uncertain parameters (SPEC section 3).
//!
//! INTERFACE STUB: to be completed (sampling, moments, quantiles, tests).

use rand::Rng;

/// A distribution as written in a scenario file (`dist = "..."`).
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// `fixed`, or a plain number.
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Beta-PERT with lambda = 4.
    Pert {
        min: f64,
        mode: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// Mean and sd of the value itself, not of its log.
    LogNormal {
        mean: f64,
        sd: f64,
    },
    /// An 80% interval: normal with mean (low+high)/2, sd (high-low)/2.563.
    Interval {
        low: f64,
        high: f64,
    },
    Beta {
        alpha: f64,
        beta: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
    },
}

impl Distribution {
    pub fn sample<R: Rng + ?Sized>(&self, _rng: &mut R) -> f64 {
        todo!()
    }
    pub fn mean(&self) -> f64 {
        todo!()
    }
    pub fn variance(&self) -> f64 {
        todo!()
    }
    pub fn cdf(&self, _x: f64) -> f64 {
        todo!()
    }
    pub fn quantile(&self, _p: f64) -> f64 {
        todo!()
    }
    pub fn probability_outside(&self, _lo: f64, _hi: f64) -> f64 {
        todo!()
    }
    pub fn describe(&self) -> String {
        todo!()
    }
    pub fn clamped_moments(&self, _lo: f64, _hi: f64) -> (f64, f64) {
        todo!()
    }
}
