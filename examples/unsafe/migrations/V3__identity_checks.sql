CREATE TABLE identity_checks (
    id bigint PRIMARY KEY,
    advertiser_id bigint NOT NULL,
    document_type text NOT NULL,
    document_number text NOT NULL,
    verification_payload jsonb,
    checked_at timestamptz
);

ALTER TABLE identity_checks
    ADD CONSTRAINT identity_checks_advertiser_fk FOREIGN KEY (advertiser_id) REFERENCES advertisers (id);
