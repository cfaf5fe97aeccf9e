//! mlsecops-report
