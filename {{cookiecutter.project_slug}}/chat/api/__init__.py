"""The REST API of rooms and messages: DRF views that parse, call chat/domain and serialise."""
