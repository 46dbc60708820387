"""securable.assess"""
