-- The passport number is no longer kept: the provider's reference replaces it.
ALTER TABLE advertisers DROP COLUMN passport_number;
ALTER TABLE advertisers ADD COLUMN provider_reference text;
-- "real_name" is what the admin console calls it.
ALTER TABLE advertisers RENAME COLUMN legal_name TO real_name;
