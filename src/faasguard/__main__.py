from faasguard.cli import main

raise SystemExit(main())
