"""What residents reach: the web chat API and page, its identity cookie, surveys, tracked links, the inbox."""
