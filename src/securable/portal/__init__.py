"""securable.portal"""
