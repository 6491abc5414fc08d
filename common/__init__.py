"""The ground floor: what every part of the product stands on (settings, database engines, text folding,
the signed event contract). It imports nothing from the product's other packages."""
