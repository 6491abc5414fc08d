"""Open311 GeoReport v2 under /open311/v2/ (JSON), over the same intake and data as /api/v1."""
