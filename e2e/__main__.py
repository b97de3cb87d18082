from .sam_e2e import main

raise SystemExit(main())
