"""Structure (组织设置): joint branches (联合党支部), brand branches (品牌支部), alliances (党建联盟)."""
