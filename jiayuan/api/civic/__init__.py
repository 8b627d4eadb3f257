"""The civic and engage API: suggestions, projects, meetings, activities, volunteers."""
