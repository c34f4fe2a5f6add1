"""Extract: FAERS quarterly zips and folders -> clean, validated table files (and rejected lines)."""
