from pipeline.console import main

raise SystemExit(main())
