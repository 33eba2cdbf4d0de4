"""Reading label and metadata tables: CSV parsing, ISIC 2017 ground truth, one-hot files, per-image records."""
