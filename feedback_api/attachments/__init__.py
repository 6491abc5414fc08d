"""Image attachments for feedback (photos of the pothole, the overflowing bin...)."""
