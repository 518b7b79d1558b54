-- The registered agencies' demo tables (demo only: in production each agency's database is its own
-- system), and the hub's own stores.
CREATE DATABASE agencies;
CREATE DATABASE hub_index;
CREATE DATABASE hub_audit;
