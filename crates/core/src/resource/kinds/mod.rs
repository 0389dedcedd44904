//! One module per resource kind: its row of the kind table and the rules only it has.

pub mod ec2;
pub mod rds;
pub mod spot;
