"""What the bot knows: the item catalogue with 郑州 local rules, FAQ entries and the 方案."""
