"""securable.device"""
