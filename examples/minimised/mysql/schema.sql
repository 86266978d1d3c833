-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: db-eu-1.internal    Database: velvetboard_eu
-- ------------------------------------------------------
-- Server version	8.0.36
--
-- EU backend (Madrid team). Dumped with: mysqldump --no-data --skip-triggers velvetboard_eu
-- The column and table COMMENTs are the design notes: each says why a column
-- exists and why it holds no more than it does.

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Table structure for table `advertisers`
--

DROP TABLE IF EXISTS `advertisers`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `advertisers` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `stage_name` varchar(60) NOT NULL COMMENT 'Public working name shown on listings; the only name we hold',
  `email` varchar(254) NOT NULL COMMENT 'Login and account notices; a pseudonymous address is fine',
  `phone_country_code` varchar(4) DEFAULT NULL COMMENT 'E.164 prefix, e.g. +34',
  `phone` varchar(20) DEFAULT NULL COMMENT 'Shown on listings only if the advertiser opts in',
  `age_verified` tinyint(1) NOT NULL DEFAULT '0' COMMENT 'Set by the age-assurance provider callback; listings stay hidden until 1',
  `age_verified_at` datetime DEFAULT NULL COMMENT 'When the provider confirmed 18+; drives the periodic re-check',
  `verification_provider` varchar(40) DEFAULT NULL COMMENT 'Which certified age-assurance provider ran the check',
  `verification_reference` varchar(128) DEFAULT NULL COMMENT 'Opaque token from the provider, for audits; holds no personal data',
  `locale` varchar(10) NOT NULL DEFAULT 'es-ES',
  `timezone` varchar(40) NOT NULL DEFAULT 'Europe/Madrid',
  `billing_country` char(2) DEFAULT NULL COMMENT 'Billing address country, for VAT (OSS)',
  `currency` char(3) NOT NULL DEFAULT 'EUR',
  `processor_customer_ref` varchar(64) DEFAULT NULL COMMENT 'Customer token at the payment processor; card details stay there',
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_advertisers_email` (`email`),
  UNIQUE KEY `uq_advertisers_verification_ref` (`verification_provider`,`verification_reference`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='Accounts: working name, contact and the outcome of the age check, nothing more';
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Table structure for table `listings`
--

DROP TABLE IF EXISTS `listings`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `listings` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `advertiser_id` bigint unsigned NOT NULL,
  `title` varchar(90) NOT NULL,
  `description` text NOT NULL,
  `city` varchar(80) NOT NULL COMMENT 'City the listing appears under; this is how clients search',
  `currently_available_in_city` varchar(80) DEFAULT NULL COMMENT 'Set while working away from the listed city; overwritten, no history kept',
  `incall` tinyint(1) NOT NULL DEFAULT '0',
  `outcall` tinyint(1) NOT NULL DEFAULT '0',
  `outcall_radius_km` smallint unsigned DEFAULT NULL,
  `travel_fee` decimal(8,2) DEFAULT NULL COMMENT 'Added to outcall bookings',
  `hourly_rate` decimal(8,2) NOT NULL,
  `currency` char(3) NOT NULL DEFAULT 'EUR',
  `languages` set('es','en','fr','pt','ro','it','de') NOT NULL DEFAULT 'es' COMMENT 'So clients know how to get in touch',
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  KEY `idx_listings_city` (`city`),
  KEY `idx_listings_available_in` (`currently_available_in_city`),
  CONSTRAINT `fk_listings_advertiser` FOREIGN KEY (`advertiser_id`) REFERENCES `advertisers` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='Services, place and price as the advertiser describes them; no demographic labels';
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Table structure for table `bookings`
--

DROP TABLE IF EXISTS `bookings`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `bookings` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `listing_id` bigint unsigned NOT NULL,
  `client_id` bigint unsigned NOT NULL,
  `starts_at` datetime NOT NULL,
  `duration_minutes` smallint unsigned NOT NULL,
  `location` enum('incall','outcall') NOT NULL,
  `travel_fee` decimal(8,2) NOT NULL DEFAULT '0.00',
  `payment_method` enum('visa','mastercard','maestro','paypal','bizum','bank_transfer') NOT NULL COMMENT 'Card brand or wallet; the card itself is tokenised by the processor',
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  CONSTRAINT `fk_bookings_listing` FOREIGN KEY (`listing_id`) REFERENCES `listings` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Table structure for table `reports`
--

DROP TABLE IF EXISTS `reports`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `reports` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `listing_id` bigint unsigned NOT NULL,
  `reason` enum('spam','fake_photos','scam','harassment','underage_concern','other') NOT NULL,
  `details` text,
  `status` enum('open','closed') NOT NULL DEFAULT 'open',
  `closed_at` datetime DEFAULT NULL COMMENT 'Closed reports are purged after 90 days',
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  CONSTRAINT `fk_reports_listing` FOREIGN KEY (`listing_id`) REFERENCES `listings` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='User reports about a listing, for moderators; about listings, not scores about people';
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Table structure for table `user_sessions`
--

DROP TABLE IF EXISTS `user_sessions`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `user_sessions` (
  `session_id` varchar(128) NOT NULL,
  `expires` int unsigned NOT NULL,
  `passport_session` json DEFAULT NULL COMMENT 'passport.js req.session.passport (serialized user id)',
  `device_fingerprint` varchar(64) DEFAULT NULL COMMENT 'FingerprintJS browser/device hash',
  `origin` varchar(255) DEFAULT NULL COMMENT 'CORS Origin header',
  `trace_id` char(32) DEFAULT NULL,
  PRIMARY KEY (`session_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2024-09-02  3:12:44
