-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: db-eu-1.internal    Database: velvetboard_eu
-- ------------------------------------------------------
-- Server version	8.0.36
--
-- EU backend (Madrid team). Dumped with: mysqldump --no-data --skip-triggers velvetboard_eu
-- Column names follow the original Spanish-language admin tool in places.

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
  `stage_name` varchar(60) NOT NULL COMMENT 'Public working name shown on listings',
  `legal_first_name` varchar(100) DEFAULT NULL,
  `legal_last_name` varchar(100) DEFAULT NULL,
  `birth_date` date DEFAULT NULL,
  `email` varchar(254) NOT NULL,
  `phone_country_code` varchar(4) DEFAULT NULL COMMENT 'E.164 prefix, e.g. +34',
  `phone` varchar(20) DEFAULT NULL,
  `nacionalidad` char(2) DEFAULT NULL COMMENT 'ISO 3166-1 alpha-2',
  `locale` varchar(10) NOT NULL DEFAULT 'es-ES',
  `timezone` varchar(40) NOT NULL DEFAULT 'Europe/Madrid',
  `billing_country` char(2) DEFAULT NULL COMMENT 'Billing address country, for VAT (OSS)',
  `currency` char(3) NOT NULL DEFAULT 'EUR',
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_advertisers_email` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Table structure for table `advertiser_verification`
--

DROP TABLE IF EXISTS `advertiser_verification`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `advertiser_verification` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `advertiser_id` bigint unsigned NOT NULL,
  `document_type` enum('passport','national_id_card','residence_permit','driving_licence') NOT NULL,
  `numero_pasaporte` varchar(20) DEFAULT NULL COMMENT 'Número de pasaporte / DNI / NIE',
  `issuing_country` char(3) DEFAULT NULL,
  `document_expiry` date DEFAULT NULL,
  `mrz` varchar(90) DEFAULT NULL COMMENT 'Machine readable zone, both lines, as OCR''d',
  `doc_front` longtext COMMENT 'Base64 JPEG of the front of the document',
  `doc_back` longtext COMMENT 'Base64 JPEG of the back of the document',
  `selfie_image` mediumblob COMMENT 'Selfie holding the document',
  `liveness_result` enum('pass','fail','retry') DEFAULT NULL,
  `pais_nacimiento` char(2) DEFAULT NULL COMMENT 'País de nacimiento (country of birth)',
  `place_of_birth` varchar(120) DEFAULT NULL,
  `immigration_status` enum('citizen','settled','pre_settled','visa_holder','asylum_seeker','undocumented') DEFAULT NULL,
  `visa_type` varchar(40) DEFAULT NULL,
  `visa_expiry_date` date DEFAULT NULL,
  `residence_permit_no` varchar(30) DEFAULT NULL COMMENT 'TIE card number',
  `rtw_code` char(9) DEFAULT NULL COMMENT 'UK right-to-work share code (London advertisers)',
  `verified_by` varchar(40) DEFAULT NULL COMMENT 'KYC vendor',
  `verified_at` datetime DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_av_advertiser` (`advertiser_id`),
  KEY `idx_av_pasaporte` (`numero_pasaporte`),
  CONSTRAINT `fk_av_advertiser` FOREIGN KEY (`advertiser_id`) REFERENCES `advertisers` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='KYC before first listing; kept 7 years';
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
  `city` varchar(80) NOT NULL,
  `incall` tinyint(1) NOT NULL DEFAULT '0',
  `outcall` tinyint(1) NOT NULL DEFAULT '0',
  `outcall_radius_km` smallint unsigned DEFAULT NULL,
  `travel_fee` decimal(8,2) DEFAULT NULL COMMENT 'Added to outcall bookings',
  `hourly_rate` decimal(8,2) NOT NULL,
  `currency` char(3) NOT NULL DEFAULT 'EUR',
  `languages` set('es','en','fr','pt','ro','it','de') NOT NULL DEFAULT 'es',
  `nationality_shown` varchar(40) DEFAULT NULL COMMENT 'e.g. "Colombiana"; shown as a badge',
  `etnia` enum('asiatica','negra','latina','blanca','mixta','arabe','otra') DEFAULT NULL COMMENT 'Ethnicity search filter',
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  KEY `idx_listings_city` (`city`),
  CONSTRAINT `fk_listings_advertiser` FOREIGN KEY (`advertiser_id`) REFERENCES `advertisers` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Table structure for table `tour_dates`
--

DROP TABLE IF EXISTS `tour_dates`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `tour_dates` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `advertiser_id` bigint unsigned NOT NULL,
  `city` varchar(80) NOT NULL,
  `country` char(2) NOT NULL,
  `arrive_on` date NOT NULL,
  `depart_on` date NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_tour_advertiser` (`advertiser_id`,`arrive_on`),
  CONSTRAINT `fk_tour_advertiser` FOREIGN KEY (`advertiser_id`) REFERENCES `advertisers` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='Gira: touring schedule, history kept';
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
  `payment_method` enum('visa','mastercard','maestro','paypal','bizum','bank_transfer') NOT NULL,
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
  `risk_score` decimal(5,2) DEFAULT NULL COMMENT 'Trafficking-risk score 0-100 from the vendor model; >70 escalates',
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  CONSTRAINT `fk_reports_listing` FOREIGN KEY (`listing_id`) REFERENCES `listings` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Table structure for table `police_disclosures`
--

DROP TABLE IF EXISTS `police_disclosures`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `police_disclosures` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `advertiser_id` bigint unsigned NOT NULL,
  `agency` varchar(80) NOT NULL COMMENT 'Policía Nacional, Guardia Civil, UCRIF (extranjería), ...',
  `officer_reference` varchar(60) DEFAULT NULL,
  `disclosed_data` json NOT NULL COMMENT 'Which fields were handed over',
  `disclosed_at` datetime NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `fk_pd_advertiser` FOREIGN KEY (`advertiser_id`) REFERENCES `advertisers` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='Disclosures to police and immigration';
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

-- Dump completed on 2024-05-14  3:12:07
