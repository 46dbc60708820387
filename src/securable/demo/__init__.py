"""securable.demo"""
