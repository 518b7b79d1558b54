-- One database per agency (demo only: in production each agency's database is its own system),
-- and the hub's own stores.
CREATE DATABASE police;
CREATE DATABASE probation;
CREATE DATABASE housing;
CREATE DATABASE treatment;
CREATE DATABASE hub_index;
CREATE DATABASE hub_audit;
