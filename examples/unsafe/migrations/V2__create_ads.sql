CREATE TABLE ads (
    id bigint PRIMARY KEY,
    advertiser_id bigint NOT NULL REFERENCES advertisers(id),
    title varchar(90) NOT NULL,
    city text NOT NULL,
    incall boolean NOT NULL DEFAULT false,
    outcall boolean NOT NULL DEFAULT false
);
