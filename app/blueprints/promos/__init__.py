"""Flash promos: scheduled promos, their notifications, stock holds, and the pages to run them."""
