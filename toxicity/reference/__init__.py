"""Reference data typed from public documents."""
