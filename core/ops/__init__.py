"""Operations: backups and restores, run statistics, admin alerts and the seeded demo book."""
