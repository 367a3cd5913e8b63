"""The domain of rooms, memberships and messages: the rules, one module per kind of change.

REST views (chat/api) and the socket consumer (chat/realtime) both call these modules, so a
change made either way is validated, authorised, stored and published identically. Each
change authorises on every call, writes in one transaction, and publishes to sockets only
once the transaction has committed: no client sees an event the database does not hold.
"""
