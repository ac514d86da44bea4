from homewatch.cli import main

raise SystemExit(main())
