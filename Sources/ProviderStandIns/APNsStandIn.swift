// Placeholder until the stand-ins land.
