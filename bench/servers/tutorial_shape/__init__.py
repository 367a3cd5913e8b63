"""The shape Channels' tutorial teaches, reduced to what the benchmark exercises.

Every socket joins its room's group through the channel layer; a received frame is
stored (one row, on the thread pool) and sent to the group; every consumer then
encodes the event itself and writes it. Run with `DJANGO_SETTINGS_MODULE=
tutorial_shape.settings` and `bench/servers` on the path.
"""
