# qbsite has no models. This module exists because Django sends post_migrate only to apps
# with a models module, and qbsite sets up the staff groups then (qbsite/apps.py).
