-- The onboarding workflow's tables in the business's PostgreSQL database (the `accounts_db`
-- connection of connections.yaml): the sanctions list it screens sign-ups against and the
-- customers it checks for duplicates and marks active. Load with
--   psql "$ACCOUNTS_DB_URL" -f workflows/onboarding/accounts.sql -f DIR/accounts-data.sql
-- (DIR from `flowline samples onboarding`, which writes the rows).
CREATE TABLE IF NOT EXISTS sanctions (
  entry_id      text PRIMARY KEY,
  full_name     text NOT NULL,
  date_of_birth date,
  country       text,
  list          text NOT NULL                -- EU, UN, OFAC
);
CREATE INDEX IF NOT EXISTS sanctions_name ON sanctions (lower(full_name));
CREATE INDEX IF NOT EXISTS sanctions_birth ON sanctions (date_of_birth);

CREATE TABLE IF NOT EXISTS customers (
  customer_id     text PRIMARY KEY,
  full_name       text NOT NULL,
  email           text NOT NULL,
  date_of_birth   date,
  document_number text,
  status          text NOT NULL,             -- active, ...
  crm_account_id  text,
  signup_id       text UNIQUE,               -- the sign-up that made the customer (onboarding)
  run_id          text,                      -- the flowline run that activated it
  activated_at    timestamptz
);
CREATE INDEX IF NOT EXISTS customers_email ON customers (lower(email));
CREATE INDEX IF NOT EXISTS customers_document ON customers (document_number);
