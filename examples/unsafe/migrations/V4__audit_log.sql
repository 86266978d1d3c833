-- Every change to an advertiser, with a copy of what changed.
CREATE TABLE advertiser_audit_log (
    id bigint PRIMARY KEY,
    advertiser_id bigint NOT NULL,
    action text NOT NULL,
    nationality char(2),
    logged_at timestamptz NOT NULL DEFAULT now()
);
