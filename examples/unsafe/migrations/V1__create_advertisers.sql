-- Flyway migrations of the advertising site (applied in version order: V1, V2, ..., V5).
CREATE TABLE advertisers (
    id bigint PRIMARY KEY,
    stage_name varchar(60) NOT NULL,
    legal_name text NOT NULL,
    date_of_birth date NOT NULL,
    nationality char(2),
    passport_number text,
    email varchar(254) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
