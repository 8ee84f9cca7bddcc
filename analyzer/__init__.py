"""analyzer: bulk analysis of 城镇老旧小区改造 reports."""
