"""ARM templates (and Bicep compiled to ARM JSON) read into declared resources."""
