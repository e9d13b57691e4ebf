//! What the simulator's HTTP tests share. Each test binary includes this
//! module and uses part of it.
#![allow(dead_code, unused_imports)]

pub mod clip;
pub mod stability;

pub use clip::Clip;
pub use stability::Stability;
