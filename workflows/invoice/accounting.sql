-- The demo's accounting system: the ledger the invoice workflow posts to (sqlite3 accounting.db < accounting.sql).
CREATE TABLE IF NOT EXISTS ledger (
  entry_id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  vendor_id TEXT,
  vendor TEXT NOT NULL,
  invoice_number TEXT NOT NULL,
  invoice_date TEXT,
  due_date TEXT,
  currency TEXT,
  net_amount REAL,
  tax_amount REAL,
  total_amount REAL,
  po_number TEXT,
  document_sha256 TEXT,
  approved_by TEXT,
  posted_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (vendor, invoice_number)
);
