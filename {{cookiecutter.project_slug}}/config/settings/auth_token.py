"""DRF token auth: one long-lived token per user, sent as `Authorization: Token <key>`.

https://www.django-rest-framework.org/api-guide/authentication/#tokenauthentication
"""

AUTH_MODE_APPS = ["rest_framework.authtoken"]
# DRF's TokenAuthentication, its lookup compiled once (accounts/token_authentication.py).
AUTH_MODE_REST_AUTHENTICATION_CLASSES = ["accounts.token_authentication.TokenAuthentication"]

# The web client's module for this auth mode (webclient/static/).
WEBCLIENT_AUTH_MODULE = "webclient/auth/token.js"
