"""Store: raw tables -> the deduplicated model of current cases, built into a new file and swapped in atomically."""
