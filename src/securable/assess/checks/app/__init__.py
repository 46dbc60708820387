"""Checks of the companion app's Android package (APK), read statically."""
