//! mlsecops-pickle
