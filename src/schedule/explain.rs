//! `custodian schedule explain`: filled in below.
